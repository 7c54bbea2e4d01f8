// A runtime that processes one claimed batch in its own process, so a test can kill it mid-batch.
import { ApiClient } from '../../lib/delivery';
import { processBatch } from '../../lib/processing';
import { getBatch, openStore, type StoreConfig } from '../../lib/store';
import { settingsFor, type Folders } from './batch-fixture';

async function main(): Promise<void> {
  const [configJson, foldersJson, batchId, owner, baseUrl, windowRows] = process.argv.slice(2);
  const store = await openStore(JSON.parse(configJson) as StoreConfig);
  const client = new ApiClient({ baseUrl, auth: { type: 'none' }, timeoutMs: 10_000, connections: 2 });
  const batch = await getBatch(store, Number(batchId));
  await processBatch(
    { store, client, owner, signal: new AbortController().signal },
    batch,
    settingsFor(JSON.parse(foldersJson) as Folders, { concurrency: 2, windowRows: Number(windowRows), windowMs: 60_000, leaseMs: 2_000 }),
  );
  process.stdout.write('finished');
  await client.close();
  await store.close();
}

main().catch((error) => {
  process.stderr.write(String(error?.stack ?? error));
  process.exit(1);
});
