import type { Registry } from 'prom-client';

// A histogram with one label, counted in plain arrays and shaped for prom-client only when a registry reads it.
// prom-client's Histogram checks the labels and hashes them on every observation, even through a labelled
// child: for the request of every row that was more than the rest of the metrics cost. This one gives the
// registry the same series, in the same order, with the same values (prom-client's own Histogram, fed the
// same observations, is what the test compares it with).

interface Series {
  readonly labels: Record<string, string>;
  /** Observations per bucket, not cumulative: index i counts the values in (bound i-1, bound i]. */
  readonly counts: number[];
  sum: number;
  count: number;
}

interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName: string;
  exemplar?: null;
}

export interface StatusHistogramConfig {
  name: string;
  help: string;
  labelName: string;
  /** Upper bounds, ascending, as prom-client's `buckets`. */
  buckets: readonly number[];
  registers: Registry[];
}

/** The part of prom-client's metric interface a Registry uses: name, help, type, get, getForPromString, reset. */
export class StatusHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly labelName: string;
  private readonly upperBounds: readonly number[];
  private readonly byValue = new Map<number, Series>();

  constructor(config: StatusHistogramConfig) {
    this.name = config.name;
    this.help = config.help;
    this.labelName = config.labelName;
    this.upperBounds = Object.freeze([...config.buckets]);
    // registerMetric wants prom-client's Metric; a Registry reads no more of it than this class has.
    for (const registry of config.registers) registry.registerMetric(this as never);
  }

  /** One observation of `value` for the label value `String(labelValue)`. */
  observe(labelValue: number, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${String(value)}`);
    let series = this.byValue.get(labelValue);
    if (!series) {
      series = { labels: { [this.labelName]: String(labelValue) }, counts: new Array<number>(this.upperBounds.length).fill(0), sum: 0, count: 0 };
      this.byValue.set(labelValue, series);
    }
    const bounds = this.upperBounds;
    for (let index = 0; index < bounds.length; index += 1) {
      if (value <= bounds[index]) {
        series.counts[index] += 1;
        break;
      }
    }
    series.sum += value;
    series.count += 1;
  }

  reset(): void {
    this.byValue.clear();
  }

  /** As prom-client's Histogram gives it to the text format: the series' labels shared by its lines. */
  async getForPromString(): Promise<{ name: string; help: string; type: string; values: ExportedValue[]; aggregator: string }> {
    const values: ExportedValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const series of this.byValue.values()) {
      let cumulative = 0;
      for (let index = 0; index < this.upperBounds.length; index += 1) {
        cumulative += series.counts[index];
        values.push({ labels: { le: this.upperBounds[index] }, sharedLabels: series.labels, value: cumulative, metricName: bucketName, exemplar: null });
      }
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: bucketName, exemplar: null },
        { labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum`, exemplar: undefined },
        { labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count`, exemplar: undefined },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** As prom-client's Histogram gives it to JSON: each line's own labels with the series' labels in them. */
  async get(): Promise<{ name: string; help: string; type: string; values: ExportedValue[]; aggregator: string }> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: Object.assign({ ...labels }, sharedLabels) }));
    return data;
  }
}
