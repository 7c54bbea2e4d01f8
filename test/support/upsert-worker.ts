// A runtime that processes one claimed batch with key matching in its own process, so a test can kill it
// between a create call and the window write.
import { ApiClient } from '../../lib/delivery';
import type { MatchingSettings } from '../../lib/matching';
import { processBatch } from '../../lib/processing';
import { getBatch, openStore, type StoreConfig } from '../../lib/store';
import { settingsFor, type Folders } from './batch-fixture';

/** The matching of the customers API (test/support/customer-records-api.ts): the target key is the answer's `id`. */
export const CUSTOMER_MATCHING: MatchingSettings = {
  keyColumns: ['customerNo'],
  create: { method: 'POST', pathTemplate: '/customers' },
  update: { method: 'PUT', pathTemplate: '/customers/{targetKey}' },
  targetKey: { from: 'body', evaluate: async (body) => (body as { id?: unknown }).id },
  onUpdateNotFound: 'report',
};

async function main(): Promise<void> {
  const [configJson, foldersJson, batchId, owner, baseUrl] = process.argv.slice(2);
  const store = await openStore(JSON.parse(configJson) as StoreConfig);
  const client = new ApiClient({ baseUrl, auth: { type: 'none' }, timeoutMs: 30_000, connections: 2 });
  const batch = await getBatch(store, Number(batchId));
  await processBatch(
    { store, client, owner, signal: new AbortController().signal },
    batch,
    settingsFor(JSON.parse(foldersJson) as Folders, { concurrency: 2, windowRows: 1000, windowMs: 60_000, leaseMs: 2_000, matching: CUSTOMER_MATCHING }),
  );
  process.stdout.write('finished');
  await client.close();
  await store.close();
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(String(error?.stack ?? error));
    process.exit(1);
  });
}
