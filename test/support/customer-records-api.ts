// A loopback customers API that keeps its own records, as a real system of record would: POST /customers
// creates one with a new id (answered in the body and the Location header), and a repeated create with the
// same Idempotency-Key returns the id it gave the first time (no second record); PUT /customers/:id
// replaces one (404 when there is none). Built on TestHttpServer, so every request is recorded.
import { TestHttpServer, type RecordedRequest, type ScriptedResponse } from './http-server';

/** A row-processor's config fields that match customers by number against this API (create POST, update PUT). */
export const CUSTOMER_MATCHING_CONFIG = {
  method: 'POST',
  pathTemplate: '/customers',
  keyColumns: 'customerNo',
  updateMethod: 'PUT',
  updatePath: '/customers/{targetKey}',
  targetKeyFrom: 'body',
  targetKeyExpression: '$string(id)',
  updateNotFound: 'report',
};

export interface ApiRecord {
  id: string;
  body: Record<string, unknown>;
}

export class CustomerRecordsApi {
  /** The records, by id. */
  readonly records = new Map<string, ApiRecord>();
  /** Creates answered, by Idempotency-Key: the id each key was given. */
  readonly createdByKey = new Map<string, string>();
  /** When true for a create, the record is kept but the answer never comes (the caller dies waiting). */
  holdCreate?: (body: Record<string, unknown>) => boolean;
  /** Answer a create (not deduplicated) with this instead, e.g. a 422. */
  refuseCreate?: (body: Record<string, unknown>) => ScriptedResponse | undefined;
  /** Every answer is held this long: requests of two runs overlap. */
  answerDelayMs = 0;
  private nextId = 101;

  private constructor(readonly server: TestHttpServer) {}

  static async start(): Promise<CustomerRecordsApi> {
    const server = await TestHttpServer.start();
    const api = new CustomerRecordsApi(server);
    server.respond((request) => ({ ...api.answer(request), ...(api.answerDelayMs ? { delayMs: api.answerDelayMs } : {}) }));
    return api;
  }

  get url(): string {
    return this.server.url;
  }

  requests(method: string): RecordedRequest[] {
    return this.server.requests.filter((request) => request.method === method);
  }

  /** The id the API holds for the record whose field `name` is `value`. */
  idOf(name: string, value: unknown): string | undefined {
    for (const record of this.records.values()) if (record.body[name] === value) return record.id;
    return undefined;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private answer(request: RecordedRequest): ScriptedResponse {
    const body = JSON.parse(request.body || '{}') as Record<string, unknown>;
    const key = String(request.headers['idempotency-key'] ?? '');
    if (request.method === 'POST' && request.path === '/customers') {
      const known = this.createdByKey.get(key);
      if (known !== undefined) return this.created(known);
      const refused = this.refuseCreate?.(body);
      if (refused) return refused;
      const id = String(this.nextId);
      this.nextId += 1;
      this.records.set(id, { id, body });
      this.createdByKey.set(key, id);
      if (this.holdCreate?.(body)) return { hang: true };
      return this.created(id);
    }
    const update = /^\/customers\/([^/]+)$/.exec(request.path);
    if (request.method === 'PUT' && update) {
      const id = decodeURIComponent(update[1]);
      if (!this.records.has(id)) return { status: 404, body: { message: `no customer ${id}` } };
      this.records.set(id, { id, body });
      return { status: 200, body: { ...body, id: Number(id) } };
    }
    return { status: 405, body: { message: `${request.method} ${request.path} is not served here` } };
  }

  private created(id: string): ScriptedResponse {
    return { status: 201, headers: { location: `/customers/${id}` }, body: { ...this.records.get(id)?.body, id: Number(id) } };
  }
}
