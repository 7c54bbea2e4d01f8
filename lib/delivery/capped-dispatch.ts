// One request through undici's dispatch callbacks, its answer's body capped as readCappedBody caps it.
// `pool.request` wraps every answer in a response stream; its events and ticks (resume, readable,
// end, close, finished) cost more per row than the small answer a row gets. The callbacks give the same
// status, the same parsed headers, the same bytes and the same errors, without the stream.
import type { Dispatcher } from 'undici';
import { MAX_RESPONSE_BODY_BYTES } from './read-capped-body';

export interface CappedAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** The first `maxBytes` bytes of the body, decoded as UTF-8; the rest was read and dropped. */
  body: string;
}

/** A request sent with dispatchCapped; abort() cuts it off, its promise then rejects with the reason. */
export class CappedRequest implements Dispatcher.DispatchHandler {
  readonly answer: Promise<CappedAnswer>;
  private resolve!: (answer: CappedAnswer) => void;
  private reject!: (error: unknown) => void;
  private controller: Dispatcher.DispatchController | undefined;
  private abortReason: Error | undefined = undefined;
  private settled = false;
  private statusCode = 0;
  private headers: CappedAnswer['headers'] = {};
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;

  constructor(private readonly maxBytes = MAX_RESPONSE_BODY_BYTES) {
    this.answer = new Promise<CappedAnswer>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** As an AbortSignal given to pool.request would: before the request is on a socket, it is never written. */
  abort(reason: Error): void {
    if (this.settled || this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortReason !== undefined) controller.abort(this.abortReason);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: CappedAnswer['headers']): void {
    // 1xx answers are informational: the real one follows.
    if (statusCode < 200) return;
    this.statusCode = statusCode;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.keptBytes >= this.maxBytes) return;
    const length = Math.min(chunk.byteLength, this.maxBytes - this.keptBytes);
    // A copy: the chunk may be a view of a buffer undici reuses. One Buffer made, not a view and then its copy.
    const part = Buffer.allocUnsafe(length);
    chunk.copy(part, 0, 0, length);
    this.kept.push(part);
    this.keptBytes += length;
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    const body = this.kept.length === 1 ? this.kept[0].toString('utf8') : Buffer.concat(this.kept).toString('utf8');
    this.resolve({ statusCode: this.statusCode, headers: this.headers, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }
}

/** Sends `options` on `dispatcher` through `request`; resolves when the whole answer is read. */
export function dispatchCapped(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, request: CappedRequest): Promise<CappedAnswer> {
  // A request undici refuses at once (bad method, closed pool) comes back through onResponseError, or
  // is thrown (a proxy's checks): either way the answer rejects with it, as pool.request's would.
  try {
    dispatcher.dispatch(options, request);
  } catch (error) {
    request.fail(error);
  }
  return request.answer;
}
