import type { ApiClient } from '../delivery/api-client';
import { CircuitBreaker } from '../delivery/circuit-breaker';
import type { Outcome } from '../delivery/classify';
import { deliver } from '../delivery/deliver';
import { IDEMPOTENCY_HEADER } from '../lineage';
import type { RowResult } from './checkpoint-tracker';
import type { ProcessorSettings } from './processor-settings';
import { failedRow, type RowWork } from './row-work';
import type { RunStop } from './run-stop';

/**
 * Sends the rows of one batch run: one circuit breaker for all of them (a run of transient failures
 * means the downstream is down, not the row: the run stops taking rows), every request with its row's
 * Idempotency-Key and the run's cancel signal, so a runtime out of close time can cut them off.
 */
export class RowSender {
  private readonly breaker: CircuitBreaker;

  constructor(
    private readonly client: ApiClient,
    private readonly settings: ProcessorSettings,
    private readonly stop: RunStop,
  ) {
    this.breaker = new CircuitBreaker({ failureThreshold: settings.breakerThreshold });
  }

  get downstreamDown(): boolean {
    return this.breaker.isOpen;
  }

  /**
   * Transient failures since the last success: a row that used up its attempts meanwhile may have met an
   * outage the breaker is still counting, not a fault of its own.
   */
  get failing(): boolean {
    return this.breaker.failures > 0;
  }

  /**
   * The row's result, or undefined when its request was cut off by the cancel signal: such a row is not
   * settled (the downstream may or may not have applied it) and is sent again, with its key, on resume.
   */
  async sendWork(work: RowWork): Promise<RowResult | undefined> {
    if (work.result || !work.request) return work.result;
    const outcome = await this.send(work.request.path, work.request.body, work.key, work.request.contentType);
    return outcome && resultOf(work.rowNumber, outcome, work.request.body, () => work.original, work.key);
  }

  /** `method`: key matching's create or update method; the request's own method by default. */
  async send(requestPath: string, body: string, key: string, contentType: string, method = this.settings.request.method): Promise<Outcome | undefined> {
    const { outcome } = await deliver(
      this.client,
      {
        method,
        path: requestPath,
        headers: { ...this.settings.request.headers, [IDEMPOTENCY_HEADER]: key },
        body,
        contentType,
        signal: this.stop.cancel,
      },
      { policy: this.settings.retry, successCheck: this.settings.successCheck, signal: this.stop.sendingSignal, breaker: this.breaker },
    );
    if (this.breaker.isOpen) this.stop.stop();
    // Cut off, or never sent because the run was cancelled: nothing is known about the row.
    if (outcome.kind === 'transient' && this.stop.cancelled) return undefined;
    return outcome;
  }
}

/**
 * How an answer settles a row: success, or a failed row with what the downstream said. `original` may be
 * given as a function: a row's original is written only when the row failed.
 */
export function resultOf(rowNumber: number, outcome: Outcome, body: string, original: string | (() => string), key: string): RowResult {
  if (outcome.kind === 'success') return { ok: true, key };
  if (typeof original === 'function') original = original();
  const kind = outcome.kind === 'transient' ? 'transient' : outcome.status !== undefined && outcome.status < 300 ? 'rejected' : 'permanent';
  return {
    ok: false,
    transient: outcome.kind === 'transient',
    failure: { ...failedRow(rowNumber, body, original, key, kind, outcome.error), httpStatus: outcome.status ?? null, errorDetail: outcome.detail ?? null },
  };
}
