// `npm test`: every test file under dist/test, on SQLite and, where mariadbd is installed, on a
// throwaway MariaDB server started here once for the whole run and stopped afterwards.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { findBinary, startMariaDb } = require('../dist/test/support/mariadb-server');

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
  let server;
  if (findBinary('mariadbd')) {
    server = await startMariaDb();
    env.BSYNC_MARIADB = JSON.stringify(server.connection);
    console.log(`MariaDB test server on 127.0.0.1:${server.connection.port}`);
  } else {
    env.BSYNC_MARIADB_SKIPPED = 'mariadbd is not installed (apt-get install mariadb-server)';
    if (process.env.BSYNC_REQUIRE_MARIADB === '1') {
      console.error('BSYNC_REQUIRE_MARIADB=1 but mariadbd is not installed');
      process.exit(1);
    }
    console.log(`MariaDB tests skipped: ${env.BSYNC_MARIADB_SKIPPED}`);
  }
  // Readable progress on stdout; a TAP copy to count from, for the closing line CI reads.
  const tap = path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'bsync-test-')), 'results.tap');
  const args = ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files];
  const child = spawn(process.execPath, args, { stdio: 'inherit', env });
  const code = await new Promise((resolve) => child.on('exit', (status) => resolve(status ?? 1)));
  if (server) await server.stop();
  const count = (name) => Number((fs.readFileSync(tap, 'utf8').match(new RegExp(`^# ${name} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  console.log(`${count('pass')} passed, ${count('fail') + count('cancelled')} failed, ${count('skipped')} skipped`);
  process.exit(code);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
