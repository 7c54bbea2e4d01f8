// What the reliability suite (test/reliability) shares: a downstream API that records every key it
// accepted and every request it saw, the flow of one batch file from an inbound folder to the API with a
// short lease (so a crash costs seconds, not minutes), and the checks every scenario ends with.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { getBatch, listBatches, listErrorPayloads, listEvents, type Store, type StoreConfig } from '../../lib/store';
import { employeeRow, HEADER } from './batch-fixture';
import { TestHttpServer, type RecordedRequest, type ScriptedResponse } from './http-server';
import { eventually } from './node-red';
import { RuntimeProcess, type FlowNode } from './runtime-process';

/** Longer versions of the scenarios (more kills, longer outages), for a run by hand or a nightly job. */
export const LONG = process.env.BSYNC_LONG_RELIABILITY === '1';

export interface Acceptance {
  key: string;
  path: string;
  body: string;
  at: number;
}

/**
 * The downstream: answers with `answer` (200 after delayMs by default) and records, per idempotency key,
 * every request it accepted (2xx), so a test can count re-sends and check each carried its original row.
 */
export class RecordingApi {
  readonly accepted = new Map<string, Acceptance[]>();
  answer: (request: RecordedRequest) => ScriptedResponse;
  readonly url: string;
  private readonly port: number;

  private constructor(
    public server: TestHttpServer,
    delayMs: number,
  ) {
    this.answer = () => ({ status: 200, body: { status: 'SUCCESS' }, delayMs });
    this.url = server.url;
    this.port = server.port;
  }

  static async start(delayMs = 20): Promise<RecordingApi> {
    const api = new RecordingApi(await TestHttpServer.start(), delayMs);
    api.listen();
    return api;
  }

  /** Stops listening: connections are refused until up(). */
  async down(): Promise<void> {
    await this.server.stop();
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    this.server = await TestHttpServer.start({ port: this.port });
    this.listen();
  }

  private listen(): void {
    this.server.respond((request) => {
      const response = this.answer(request);
      const status = response.status ?? 200;
      if (status >= 200 && status < 300 && !response.destroy && !response.hang) {
        const key = String(request.headers['idempotency-key']);
        const list = this.accepted.get(key) ?? [];
        list.push({ key, path: request.path, body: request.body, at: Date.now() });
        this.accepted.set(key, list);
      }
      return response;
    });
  }

  healthy(delayMs = 20): void {
    this.answer = () => ({ status: 200, body: { status: 'SUCCESS' }, delayMs });
  }

  /** Acceptances beyond the first of each key. */
  get resends(): number {
    let count = 0;
    for (const list of this.accepted.values()) count += list.length - 1;
    return count;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

export interface FlowOptions {
  config: StoreConfig;
  apiUrl: string;
  leaseSeconds?: number;
  windowRows?: number;
  concurrency?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  breakerThreshold?: number;
  /** Seconds a batch stays parked after the downstream was found down. */
  errorRetryDelay?: number;
  /** The API node's request timeout. */
  timeoutMs?: number;
  /** The row-processor's partitionRows (off when unset). */
  partitionRows?: number;
  /** The dispatcher's max in flight: shared by every runtime on the store (its control row). */
  maxInFlight?: number;
  /** False: no file-persister (a runtime that only claims and processes what another one parked). */
  parks?: boolean;
}

export const CONCURRENCY = 4;

export function reliabilityFlow(options: FlowOptions): { flows: FlowNode[]; credentials: Record<string, Record<string, string>> } {
  const { config } = options;
  const lease = String(options.leaseSeconds ?? 6);
  const store: FlowNode =
    config.client === 'sqlite'
      ? { id: 'store', type: 'batch-store', client: 'sqlite', filename: config.filename }
      : { id: 'store', type: 'batch-store', client: config.client, host: config.host, port: String(config.port), database: config.database };
  const credentials: Record<string, Record<string, string>> = config.client === 'sqlite' ? {} : { store: { user: config.user, password: config.password ?? '' } };
  const processor: FlowNode = {
    id: 'processor', type: 'row-processor', z: 'tab', store: 'store', endpoint: 'api', method: 'POST', pathTemplate: '/employees/{employeeNumber}',
    concurrency: String(options.concurrency ?? CONCURRENCY), maxAttempts: String(options.maxAttempts ?? 3),
    baseDelayMs: String(options.baseDelayMs ?? 50), maxDelayMs: String(options.maxDelayMs ?? 1000),
    leaseTime: lease, windowRows: String(options.windowRows ?? 100), archiveFolder: 'archive', failedFolder: 'failed', wires: [[], []],
  };
  if (options.breakerThreshold !== undefined) processor.breakerThreshold = String(options.breakerThreshold);
  if (options.errorRetryDelay !== undefined) processor.errorRetryDelay = String(options.errorRetryDelay);
  if (options.partitionRows !== undefined) processor.partitionRows = String(options.partitionRows);
  const persister: FlowNode = { id: 'persister', type: 'file-persister', z: 'tab', store: 'store', inbound: 'inbound', processing: 'processing', duplicates: 'duplicates', pattern: '*.csv', pollInterval: '0.2', stableTime: '0.2', groupType: 'payroll', wires: [['lot']] };
  return {
    credentials,
    flows: [
      { id: 'tab', type: 'tab', label: 'reliability' },
      store,
      { id: 'api', type: 'api-endpoint', baseUrl: options.apiUrl, authType: 'none', timeout: String(options.timeoutMs ?? 10_000), connections: '8' },
      ...(options.parks === false ? [] : [persister]),
      { id: 'lot', type: 'parking-lot', z: 'tab', store: 'store', groupType: 'payroll', wires: [[]] },
      { id: 'dispatcher', type: 'scheduled-dispatcher', z: 'tab', store: 'store', mode: 'batches', cron: '* * * * * *', fetchSize: '1', maxInFlight: String(options.maxInFlight ?? 1), leaseSeconds: lease, wires: [['processor'], []] },
      processor,
    ],
  };
}

/** Drops a batch file of `rows` rows in the runtime's inbound folder; resolves with the parked batch's id. */
export async function dropBatch(runtime: RuntimeProcess, store: Store, rows: number): Promise<number> {
  const inbound = path.join(runtime.dataDir, 'inbound');
  fs.mkdirSync(inbound, { recursive: true });
  fs.writeFileSync(path.join(inbound, 'bank.csv'), [HEADER, ...Array.from({ length: rows }, (_, i) => employeeRow(i + 1))].join('\n') + '\n');
  return eventually(async () => (await listBatches(store, { limit: 1 })).batches[0]?.id, `the file to be parked\n${runtime.tail()}`, 30_000);
}

/** The end every scenario must reach: PROCESSED, counters exact, every row accepted, no error payload. */
export async function assertDeliveredExactly(store: Store, api: RecordingApi, batchId: number, rows: number, runtime: RuntimeProcess, timeoutMs = 60_000): Promise<void> {
  await eventually(async () => (await getBatch(store, batchId)).status === 'PROCESSED', `the batch to end PROCESSED\n${runtime.tail()}`, timeoutMs);
  const batch = await getBatch(store, batchId);
  assert.deepEqual(
    { succeeded: batch.succeeded_rows, failed: batch.failed_rows, checkpoint: batch.checkpoint_row, total: batch.total_rows },
    { succeeded: rows, failed: 0, checkpoint: rows, total: rows },
  );
  const expected = Array.from({ length: rows }, (_, i) => `bsync-${batchId}-${i + 1}`);
  assert.deepEqual([...api.accepted.keys()].sort(), expected.sort(), 'every row accepted, under its own key, and nothing else');
  // A re-send is the same row again: the same path (the row's employee number) and the same body.
  for (const [key, list] of api.accepted) {
    const row = Number(key.split('-').pop());
    for (const acceptance of list) {
      assert.equal(acceptance.path, `/employees/${1000 + row}`, `${key} carried its own row`);
      assert.equal(acceptance.body, list[0].body, `${key} was re-sent unchanged`);
    }
  }
  const payloads = await listErrorPayloads(store, { batchId });
  assert.equal(payloads.total, 0, 'no error payload');
}

export async function batchEvents(store: Store, batchId: number): Promise<string[]> {
  return (await listEvents(store, { entity: 'batch', entityId: batchId })).map((event) => event.action);
}
