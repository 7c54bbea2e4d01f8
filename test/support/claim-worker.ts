// One "runtime" for the concurrent-claim test: its own process and pool, claiming until nothing is left.
import { claimBatches, openStore, type StoreConfig } from '../../lib/store';

async function main(): Promise<void> {
  const [configJson, owner, groupType, startAt] = process.argv.slice(2);
  const store = await openStore(JSON.parse(configJson) as StoreConfig);
  // All workers start claiming at the same moment, whatever their start-up time was.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
  const claimed: number[] = [];
  try {
    for (;;) {
      const batches = await claimBatches(store, { owner, leaseMs: 600_000, limit: 7, groupType });
      if (batches.length === 0) {
        // Empty can also mean "all candidates were being taken by others right now": stop only when none is left.
        const [{ left }] = await store.knex(store.tables.batch).where({ group_type: groupType, status: 'NEW' }).count({ left: '*' });
        if (Number(left) === 0) break;
        continue;
      }
      claimed.push(...batches.map((batch) => batch.id));
    }
  } finally {
    await store.close();
  }
  process.stdout.write(JSON.stringify(claimed));
}

main().catch((error) => {
  process.stderr.write(String(error?.stack ?? error));
  process.exit(1);
});
