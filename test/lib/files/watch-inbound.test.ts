import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { InboundWatcher, type StableFile } from '../../../lib/files';
import { eventually } from '../../support/node-red';

function tempFolder(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-watch-')));
}

/** A watcher on a clock the test moves, polled by hand: no sleeping, no flakiness. */
function manualWatcher(folder: string, options: { stableMs?: number; pattern?: string; onFile?: (file: StableFile) => Promise<void> } = {}) {
  let clock = 1_000_000;
  const reported: string[] = [];
  const errors: string[] = [];
  let recovered = 0;
  const watcher = new InboundWatcher({
    folder,
    pattern: options.pattern ?? '*.csv',
    intervalMs: 1000,
    stableMs: options.stableMs ?? 2000,
    now: () => clock,
    onFile: options.onFile ?? (async (file) => void reported.push(file.name)),
    onError: (error) => errors.push(String(error)),
    onRecovered: () => (recovered += 1),
  });
  return {
    watcher,
    reported,
    errors,
    recovered: () => recovered,
    async pollAfter(ms: number) {
      clock += ms;
      await watcher.pollOnce();
    },
  };
}

describe('InboundWatcher', () => {
  it('does not report a file that is still growing, and reports it once it has been stable for stableMs', async () => {
    const folder = tempFolder();
    const file = path.join(folder, 'bank.csv');
    const { reported, pollAfter } = manualWatcher(folder);
    fs.writeFileSync(file, 'employeeNumber,iban\n');
    await pollAfter(0);
    assert.deepEqual(reported, [], 'first sight: not stable yet');
    fs.appendFileSync(file, '1,DE89370400440532013000\n');
    await pollAfter(2500);
    assert.deepEqual(reported, [], 'it grew since the last poll');
    fs.appendFileSync(file, '2,DE89370400440532013000\n');
    await pollAfter(2500);
    assert.deepEqual(reported, [], 'it grew again');
    await pollAfter(1000);
    assert.deepEqual(reported, [], 'unchanged, but only for 1 s of the 2 s');
    await pollAfter(1000);
    assert.deepEqual(reported, ['bank.csv']);
  });

  it('reports each file once, and again only when a new file of that name arrives', async () => {
    const folder = tempFolder();
    const { reported, pollAfter } = manualWatcher(folder, { stableMs: 0 });
    fs.writeFileSync(path.join(folder, 'a.csv'), 'a');
    fs.writeFileSync(path.join(folder, 'b.csv'), 'b');
    await pollAfter(0);
    await pollAfter(1000);
    await pollAfter(1000);
    assert.deepEqual(reported.sort(), ['a.csv', 'b.csv']);
    fs.rmSync(path.join(folder, 'a.csv'));
    await pollAfter(1000);
    fs.writeFileSync(path.join(folder, 'a.csv'), 'a again');
    await pollAfter(1000);
    assert.deepEqual(reported.sort(), ['a.csv', 'a.csv', 'b.csv']);
  });

  it('ignores names that do not match, dot-files, temp files and folders', async () => {
    const folder = tempFolder();
    const { reported, pollAfter } = manualWatcher(folder, { stableMs: 0 });
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'x');
    fs.writeFileSync(path.join(folder, '.hidden.csv'), 'x');
    fs.writeFileSync(path.join(folder, 'upload.csv.tmp'), 'x');
    fs.writeFileSync(path.join(folder, 'upload.csv.part'), 'x');
    fs.mkdirSync(path.join(folder, 'folder.csv'));
    fs.writeFileSync(path.join(folder, 'real.csv'), 'x');
    await pollAfter(0);
    await pollAfter(1000);
    assert.deepEqual(reported, ['real.csv']);
  });

  it('tries a file again when its hand-off failed, and reports a repeated error once', async () => {
    const folder = tempFolder();
    let fail = true;
    const handed: string[] = [];
    const { errors, pollAfter } = manualWatcher(folder, {
      stableMs: 0,
      onFile: async (file) => {
        if (fail) throw new Error('database unavailable');
        handed.push(file.name);
      },
    });
    fs.writeFileSync(path.join(folder, 'a.csv'), 'a');
    await pollAfter(0);
    await pollAfter(1000);
    assert.deepEqual(errors, ['Error: database unavailable']);
    fail = false;
    await pollAfter(1000);
    assert.deepEqual(handed, ['a.csv']);
  });

  it('reports a missing folder and keeps polling until it appears', async () => {
    const folder = path.join(tempFolder(), 'inbound');
    const { reported, errors, recovered, pollAfter } = manualWatcher(folder, { stableMs: 0 });
    await pollAfter(0);
    await pollAfter(1000);
    assert.equal(errors.length, 1, 'the same reason is reported once');
    assert.equal(recovered(), 0);
    assert.match(errors[0], /^Error: the inbound folder does not exist: .*inbound$/);
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'a.csv'), 'a');
    await pollAfter(1000);
    assert.deepEqual(reported, ['a.csv']);
    assert.equal(recovered(), 1, 'the clean poll after the failure is announced');
  });

  it('polls on its own timer, and stop() waits for the hand-off in progress', async () => {
    const folder = tempFolder();
    fs.writeFileSync(path.join(folder, 'a.csv'), 'a');
    let finished = false;
    let started!: () => void;
    const handOffStarted = new Promise<void>((resolve) => (started = resolve));
    const watcher = new InboundWatcher({
      folder,
      pattern: '*.csv',
      intervalMs: 20,
      stableMs: 30,
      onFile: async () => {
        started();
        await new Promise((resolve) => setTimeout(resolve, 150));
        finished = true;
      },
      onError: (error) => assert.fail(String(error)),
    });
    watcher.start();
    await handOffStarted;
    await watcher.stop();
    assert.equal(finished, true, 'stop() resolved only after the hand-off');
  });

  it('looks at a file seen changing again when its stable time is up, not only at the next interval', async () => {
    const folder = tempFolder();
    fs.writeFileSync(path.join(folder, 'a.csv'), 'a');
    const { watcher, reported } = runningWatcher(folder, { intervalMs: 60_000, stableMs: 50, watchFolder: false });
    try {
      await eventually(() => reported.length > 0, 'a file handed over (the next interval is a minute away)');
      assert.deepEqual(reported, ['a.csv']);
    } finally {
      await watcher.stop();
    }
  });

  it('polls as soon as a file lands in a watched folder, not at the next interval', async () => {
    const folder = tempFolder();
    const { watcher, reported, polls } = runningWatcher(folder, { intervalMs: 60_000, stableMs: 50 });
    try {
      await eventually(() => polls() > 0, 'the first poll');
      fs.writeFileSync(path.join(folder, 'a.csv.part'), 'a');
      fs.renameSync(path.join(folder, 'a.csv.part'), path.join(folder, 'a.csv'));
      await eventually(() => reported.length > 0, 'a file handed over (the next interval is a minute away)');
      assert.deepEqual(reported, ['a.csv']);
    } finally {
      await watcher.stop();
    }
  });
});

/** A watcher on its own timers: the names it handed over, and how many polls it has finished. */
function runningWatcher(folder: string, options: { intervalMs: number; stableMs: number; watchFolder?: boolean }) {
  const reported: string[] = [];
  let polls = 0;
  const watcher = new InboundWatcher({
    folder,
    pattern: '*.csv',
    ...options,
    onFile: async (file) => void reported.push(file.name),
    onError: (error) => assert.fail(String(error)),
  });
  const pollOnce = watcher.pollOnce.bind(watcher);
  watcher.pollOnce = async () => {
    await pollOnce();
    polls += 1;
  };
  watcher.start();
  return { watcher, reported, polls: () => polls };
}
