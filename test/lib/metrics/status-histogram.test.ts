import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { StatusHistogram } from '../../../lib/metrics/status-histogram';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const NAME = 'test_request_duration_seconds';
const HELP = 'Time of each request, by HTTP status (0: no answer)';

/** Ours and prom-client's own Histogram, each in its registry, fed the same observations. */
function pair() {
  const oursRegistry = new Registry();
  const theirsRegistry = new Registry();
  const ours = new StatusHistogram({ name: NAME, help: HELP, labelName: 'status', buckets: BUCKETS, registers: [oursRegistry] });
  const theirs = new Histogram({ name: NAME, help: HELP, labelNames: ['status'] as const, buckets: BUCKETS, registers: [theirsRegistry] });
  const observe = (status: number, seconds: number) => {
    ours.observe(status, seconds);
    theirs.labels({ status: String(status) }).observe(seconds);
  };
  return { ours, theirs, oursRegistry, theirsRegistry, observe };
}

// Values on a bound, between bounds, below the first and above the last (counted in +Inf only), sums that round.
const OBSERVATIONS: [number, number][] = [
  [201, 0.003], [201, 0.005], [422, 0.0051], [201, 0.1 + 0.2], [0, 30], [0, 30.001], [201, 0.017], [500, 12.5],
  [422, 0.004], [201, 1], [503, 0], [201, 0.333], [201, 2.5], [0, 45.25], [422, 0.7], [201, 0.0049999],
];

describe('StatusHistogram', () => {
  it('gives the registry the text prom-client\'s Histogram gives, series in the order first observed', async () => {
    const { oursRegistry, theirsRegistry, observe } = pair();
    assert.equal(await oursRegistry.metrics(), await theirsRegistry.metrics());
    for (const [status, seconds] of OBSERVATIONS) observe(status, seconds);
    const text = await oursRegistry.metrics();
    assert.equal(text, await theirsRegistry.metrics());
    assert.match(text, /^test_request_duration_seconds_bucket\{le="0.005",status="201"\} 3$/m);
    assert.match(text, /^test_request_duration_seconds_bucket\{le="30",status="0"\} 1$/m);
    assert.match(text, /^test_request_duration_seconds_count\{status="0"\} 3$/m);
  });

  it('gives the same JSON, and the same text merged with another registry', async () => {
    const { oursRegistry, theirsRegistry, observe } = pair();
    for (const [status, seconds] of OBSERVATIONS) observe(status, seconds);
    assert.deepEqual(await oursRegistry.getMetricsAsJSON(), await theirsRegistry.getMetricsAsJSON());
    const other = () => {
      const registry = new Registry();
      const counter = new Histogram({ name: 'other_seconds', help: 'another', labelNames: ['route'] as const, buckets: [1], registers: [registry] });
      counter.observe({ route: 'a' }, 0.5);
      return registry;
    };
    assert.equal(await Registry.merge([other(), oursRegistry]).metrics(), await Registry.merge([other(), theirsRegistry]).metrics());
  });

  it('starts again from nothing after a reset, as prom-client does', async () => {
    const { oursRegistry, theirsRegistry, observe } = pair();
    for (const [status, seconds] of OBSERVATIONS) observe(status, seconds);
    oursRegistry.resetMetrics();
    theirsRegistry.resetMetrics();
    observe(404, 0.02);
    const text = await oursRegistry.metrics();
    assert.equal(text, await theirsRegistry.metrics());
    assert.doesNotMatch(text, /status="201"/);
  });

  it('refuses a value that is not a finite number, as prom-client does', () => {
    const { ours } = pair();
    assert.throws(() => ours.observe(200, Number.NaN), TypeError);
    assert.throws(() => ours.observe(200, Number.POSITIVE_INFINITY), TypeError);
  });
});
