// A downstream that keeps its records, on the loopback test server: POST /contacts creates one and
// answers its id (in the body and the Location header), the same id again for an Idempotency-Key it has
// seen; DELETE /contacts/:id removes it (404 when it is not there). Tests refuse rows or undos by script.
import { TestHttpServer, type RecordedRequest, type ScriptedResponse } from './http-server';

export interface ContactRecordsApiOptions {
  /** Answer this instead of creating the record (e.g. a 422 for one row). */
  refuseCreate?: (record: Record<string, unknown>, request: RecordedRequest) => ScriptedResponse | undefined;
  /** Answer this instead of deleting the record (e.g. a 500 for one id). */
  refuseDelete?: (id: string, request: RecordedRequest) => ScriptedResponse | undefined;
  /** Called with every request before it is answered. */
  onRequest?: (request: RecordedRequest) => void;
}

export class ContactRecordsApi {
  /** id → the record as created. */
  readonly records = new Map<string, Record<string, unknown>>();
  private readonly byKey = new Map<string, string>();
  private nextId = 1;

  private constructor(
    readonly server: TestHttpServer,
    private readonly options: ContactRecordsApiOptions,
  ) {}

  static async start(options: ContactRecordsApiOptions = {}): Promise<ContactRecordsApi> {
    const server = await TestHttpServer.start();
    const api = new ContactRecordsApi(server, options);
    server.respond((request) => api.answer(request));
    return api;
  }

  get url(): string {
    return this.server.url;
  }

  creates(): RecordedRequest[] {
    return this.server.requests.filter((request) => request.method === 'POST');
  }

  deletes(): RecordedRequest[] {
    return this.server.requests.filter((request) => request.method === 'DELETE');
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private answer(request: RecordedRequest): ScriptedResponse {
    this.options.onRequest?.(request);
    const key = String(request.headers['idempotency-key'] ?? '');
    if (request.method === 'POST' && request.path === '/contacts') {
      const record = JSON.parse(request.body) as Record<string, unknown>;
      const refused = this.options.refuseCreate?.(record, request);
      if (refused) return refused;
      const seen = this.byKey.get(key);
      const id = seen ?? `c${this.nextId++}`;
      if (!seen) {
        this.byKey.set(key, id);
        this.records.set(id, record);
      }
      return { status: seen ? 200 : 201, headers: { location: `/contacts/${id}` }, body: { id } };
    }
    const match = /^\/contacts\/([^/]+)$/.exec(request.path);
    if (request.method === 'DELETE' && match) {
      const id = decodeURIComponent(match[1]);
      const refused = this.options.refuseDelete?.(id, request);
      if (refused) return refused;
      if (!this.records.delete(id)) return { status: 404, body: { message: `no contact ${id}` } };
      return { status: 204 };
    }
    return { status: 404, body: { message: `no route ${request.method} ${request.path}` } };
  }
}
