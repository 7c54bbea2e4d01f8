// One "runtime" for the shared-throttle test: its own process and pool, running dispatch runs in a loop
// and finishing each claimed batch a little later, as a row-processor would, until the group is done.
import { changeBatchStatus, openStore, type BatchRow, type Store, type StoreConfig } from '../../lib/store';
import { dispatchRun } from '../../lib/schedule';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function finish(store: Store, batch: BatchRow, owner: string): Promise<void> {
  await sleep(20 + Math.random() * 40);
  await changeBatchStatus(store, { id: batch.id, to: 'PROCESSING', action: 'processing', actor: owner, leaseOwner: owner });
  await sleep(10);
  await changeBatchStatus(store, { id: batch.id, to: 'PROCESSED', action: 'processed', actor: owner, leaseOwner: owner });
}

async function main(): Promise<void> {
  const [configJson, owner, dispatcher, groupType, startAt] = process.argv.slice(2);
  const store = await openStore(JSON.parse(configJson) as StoreConfig);
  await sleep(Math.max(0, Number(startAt) - Date.now()));
  const runs: number[] = [];
  const claimed: number[] = [];
  const finishing: Promise<void>[] = [];
  try {
    for (;;) {
      const run = await dispatchRun(store, { mode: 'batches', dispatcher, owner, leaseMs: 600_000, groupType, defaults: { fetchSize: 3, maxInFlight: 4 } });
      runs.push(run.claimed.length);
      for (const batch of run.claimed) {
        claimed.push(batch.id);
        finishing.push(finish(store, batch as BatchRow, owner));
      }
      const [{ left }] = await store.knex(store.tables.batch).where('group_type', groupType).whereNot('status', 'PROCESSED').count({ left: '*' });
      if (Number(left) === 0) break;
      await sleep(5 + Math.random() * 10);
    }
    await Promise.all(finishing);
  } finally {
    await store.close();
  }
  process.stdout.write(JSON.stringify({ runs, claimed }));
}

main().catch((error) => {
  process.stderr.write(String(error?.stack ?? error));
  process.exit(1);
});
