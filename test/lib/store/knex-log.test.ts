// A database that cannot be reached is reported once, where the user looks (the error the caller gets, then
// the node's status), not also printed by knex with a stack on every attempt.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { DatabaseUnavailableError } from '../../../lib/errors';
import { openSource, SourceUnavailableError } from '../../../lib/source';
import { KNEX_LOG } from '../../../lib/store/knex-log';
import { openStore } from '../../../lib/store';
import { freePort } from '../../support/free-port';

/** What `work` printed through console.log and console.warn. */
async function printedBy(work: () => Promise<unknown>): Promise<string> {
  const printed: string[] = [];
  const { log, warn } = console;
  console.log = (...parts: unknown[]) => void printed.push(parts.join(' '));
  console.warn = (...parts: unknown[]) => void printed.push(parts.join(' '));
  try {
    await work();
  } finally {
    console.log = log;
    console.warn = warn;
  }
  return printed.join('\n');
}

it('a SQLite source that is not there: the caller gets the reason, knex prints nothing', async () => {
  const filename = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-knex-log-')), 'missing.sqlite');
  const printed = await printedBy(() =>
    assert.rejects(openSource({ client: 'sqlite', filename }), (error: unknown) => error instanceof SourceUnavailableError && /not available: .+/.test(error.message)),
  );
  assert.doesNotMatch(printed, /Acquire connection error/);
});

it('a MariaDB store on a port nobody listens on: the caller gets the reason, knex prints nothing', { timeout: 30_000 }, async () => {
  const port = await freePort();
  const printed = await printedBy(() =>
    assert.rejects(
      openStore({ client: 'mysql', host: '127.0.0.1', port, user: 'bsync', password: 'secret', database: 'bsync' }),
      (error: unknown) => error instanceof DatabaseUnavailableError && /ECONNREFUSED|connect/.test(error.message),
    ),
  );
  assert.doesNotMatch(printed, /Acquire connection error/);
});

it("knex's other warnings are printed as knex prints them", async () => {
  assert.equal(await printedBy(async () => KNEX_LOG.warn!('something knex wants said')), 'something knex wants said');
});
