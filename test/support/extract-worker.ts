// An extract run in its own process, so a test can kill it (SIGKILL) between writing a batch file and
// parking it, as a crash or a power cut would.
import { runExtract, type ExtractSettings } from '../../lib/extract';
import { openSource, type SourceConfig } from '../../lib/source';
import { openStore, type StoreConfig } from '../../lib/store';

async function main(): Promise<void> {
  const [storeJson, sourceJson, settingsJson, killAfterFile] = process.argv.slice(2);
  const store = await openStore(JSON.parse(storeJson) as StoreConfig);
  const source = await openSource(JSON.parse(sourceJson) as SourceConfig);
  const run = await runExtract(
    {
      store,
      source,
      actor: 'extract-worker',
      onBatchFileWritten: (file) => {
        process.stdout.write(`written ${file.fileName}\n`);
        if (killAfterFile === 'kill') process.kill(process.pid, 'SIGKILL');
      },
    },
    JSON.parse(settingsJson) as ExtractSettings,
  );
  process.stdout.write(`parked ${run.batches.length}\n`);
  await source.close();
  await store.close();
}

main().catch((error) => {
  process.stderr.write(String(error?.stack ?? error));
  process.exit(1);
});
