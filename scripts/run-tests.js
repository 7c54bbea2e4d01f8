// `npm test`: every test file under dist/test, on SQLite and, where their binaries are installed, on a
// throwaway MariaDB server and a throwaway PostgreSQL server, started here once for the whole run and
// stopped afterwards.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { findBinary, startMariaDb } = require('../dist/test/support/mariadb-server');
const { findPostgresBinaries, startPostgres } = require('../dist/test/support/postgres-server');

/** Test files that run alone, after the rest: the reliability bounds and the browser tests' waits. */
const SERIAL_PARTS = [`${path.sep}reliability${path.sep}`, `${path.sep}editor${path.sep}`];

function testFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(file);
    return entry.name.endsWith('.test.js') ? [file] : [];
  });
}

async function main() {
  const root = path.join(__dirname, '..', 'dist', 'test');
  const filter = process.argv.slice(2);
  const files = testFiles(root)
    .filter((file) => filter.length === 0 || filter.some((part) => file.includes(part)))
    .sort();
  const env = { ...process.env };
  // Both servers start side by side; when one fails, the other is stopped before the run ends.
  const starts = await Promise.allSettled([
    findBinary('mariadbd') ? startMariaDb() : undefined,
    findPostgresBinaries() ? startPostgres() : undefined,
  ]);
  const servers = starts.filter((start) => start.status === 'fulfilled' && start.value).map((start) => start.value);
  const stopServers = () => Promise.all(servers.map((server) => server.stop()));
  const failed = starts.find((start) => start.status === 'rejected');
  if (failed) {
    await stopServers();
    throw failed.reason;
  }
  const [mariaDb, postgres] = starts.map((start) => start.value);
  if (mariaDb) {
    env.BSYNC_MARIADB = JSON.stringify(mariaDb.connection);
    console.log(`MariaDB test server on 127.0.0.1:${mariaDb.connection.port}`);
  } else {
    env.BSYNC_MARIADB_SKIPPED = 'mariadbd is not installed (apt-get install mariadb-server)';
    console.log(`MariaDB tests skipped: ${env.BSYNC_MARIADB_SKIPPED}`);
  }
  if (postgres) {
    env.BSYNC_POSTGRES = JSON.stringify(postgres.connection);
    console.log(`PostgreSQL test server on 127.0.0.1:${postgres.connection.port}`);
  } else {
    env.BSYNC_POSTGRES_SKIPPED = 'postgres is not installed (apt-get install postgresql)';
    console.log(`PostgreSQL tests skipped: ${env.BSYNC_POSTGRES_SKIPPED}`);
  }
  for (const [name, required, skipped] of [
    ['MARIADB', process.env.BSYNC_REQUIRE_MARIADB, env.BSYNC_MARIADB_SKIPPED],
    ['POSTGRES', process.env.BSYNC_REQUIRE_POSTGRES, env.BSYNC_POSTGRES_SKIPPED],
  ]) {
    if (required === '1' && skipped) {
      console.error(`BSYNC_REQUIRE_${name}=1 but ${skipped}`);
      await stopServers();
      process.exit(1);
    }
  }
  // Two phases: most files two at a time (each file its own process, its own databases and ports); then
  // the files that hold a crash or an outage to a time bound, and the browser tests, one at a time, so
  // that another file's CPU cannot push their timers past it. BSYNC_TEST_CONCURRENCY sets the first phase's.
  const alone = (file) => SERIAL_PARTS.some((part) => file.includes(part));
  const phases = [
    { files: files.filter((file) => !alone(file)), concurrency: Number(process.env.BSYNC_TEST_CONCURRENCY || 2) },
    { files: files.filter(alone), concurrency: 1 },
  ].filter((phase) => phase.files.length > 0);
  // This run's folder: the TAP copies, and the temp folder of every test process (batch folders, SQLite
  // files, runtimes' user dirs), removed at the end. Open to other users: a test may run postgres as one.
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-test-'));
  env.TMPDIR = path.join(runDir, 'tmp');
  fs.mkdirSync(env.TMPDIR);
  for (const dir of [runDir, env.TMPDIR]) fs.chmodSync(dir, 0o755);
  const totals = { pass: 0, fail: 0, cancelled: 0, skipped: 0 };
  let code = 0;
  for (const [index, phase] of phases.entries()) {
    // Readable progress on stdout; a TAP copy to count from, for the closing line CI reads.
    const tap = path.join(runDir, `results-${index}.tap`);
    const args = ['--test', `--test-concurrency=${phase.concurrency}`, '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...phase.files];
    const child = spawn(process.execPath, args, { stdio: 'inherit', env });
    const status = await new Promise((resolve) => child.on('exit', (exitCode) => resolve(exitCode ?? 1)));
    if (status !== 0) code = status;
    const text = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
    for (const name of Object.keys(totals)) totals[name] += Number((text.match(new RegExp(`^# ${name} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  }
  await stopServers();
  if (process.env.BSYNC_KEEP_TEST_FILES === '1') console.log(`test files kept in ${runDir}`);
  else fs.rmSync(runDir, { recursive: true, force: true });
  console.log(`${totals.pass} passed, ${totals.fail + totals.cancelled} failed, ${totals.skipped} skipped`);
  process.exit(code);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
