import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WindowSchedule } from '../../../lib/processing/window-schedule';

/** A write the test lets finish; each call is logged. */
function gatedWrite(log: string[]) {
  let finish: () => void = () => {};
  let fail: (error: Error) => void = () => {};
  const write = () => {
    log.push('write');
    return new Promise<void>((resolve, reject) => {
      finish = () => {
        log.push('written');
        resolve();
      };
      fail = reject;
    });
  };
  return { write, finish: () => finish(), fail: (error: Error) => fail(error) };
}

/** Settled rows as a tracker counts them, set by the test. */
function settledRows(writable: number, pending = writable) {
  return { writable, pending };
}

const ticks = () => new Promise((resolve) => setImmediate(resolve));

describe('WindowSchedule.idle', () => {
  it('gives nothing to wait for while no write is queued or under way', async () => {
    const log: string[] = [];
    const gate = gatedWrite(log);
    const rows = settledRows(0);
    const schedule = new WindowSchedule(2, 60_000, rows, gate.write);
    assert.equal(schedule.idle(), undefined);
    rows.writable = rows.pending = 1;
    schedule.settled();
    assert.equal(schedule.idle(), undefined, 'a row below the window only starts the timer');
    await schedule.stop();
  });

  it('goes on during a write until a second window waits behind it, then waits for the write', async () => {
    const log: string[] = [];
    const gate = gatedWrite(log);
    const rows = settledRows(2);
    const schedule = new WindowSchedule(2, 60_000, rows, gate.write);
    schedule.settled();
    await ticks();
    assert.deepEqual(log, ['write']);
    rows.writable = rows.pending = 0;
    assert.equal(schedule.idle(), undefined, 'nothing settled behind the write');
    rows.writable = rows.pending = 1;
    assert.equal(schedule.idle(), undefined, 'less than a window settled behind the write');
    rows.writable = rows.pending = 2;
    const waiting = schedule.idle();
    assert.ok(waiting instanceof Promise);
    let idle = false;
    void waiting.then(() => {
      idle = true;
      log.push('idle');
    });
    await ticks();
    assert.equal(idle, false, 'the write has not finished');
    gate.finish();
    await waiting;
    assert.deepEqual(log, ['write', 'written', 'idle']);
    assert.equal(schedule.idle(), undefined);
    await schedule.stop();
  });

  it('throws what a write threw, at once when no write is under way', async () => {
    const log: string[] = [];
    const gate = gatedWrite(log);
    const schedule = new WindowSchedule(1, 60_000, settledRows(1), gate.write);
    schedule.settled();
    const waiting = schedule.idle();
    await ticks();
    assert.deepEqual(log, ['write']);
    gate.fail(new Error('store unreachable'));
    await assert.rejects(async () => waiting, /store unreachable/);
    assert.throws(() => schedule.idle(), /store unreachable/);
    await assert.rejects(schedule.flush(), /store unreachable/);
    await schedule.stop();
  });

  it('leaves rows settled behind a row under way to the timer, however many settle', async () => {
    const log: string[] = [];
    const gate = gatedWrite(log);
    // Row 1 is under way; 5 rows after it settled: a window could take none of them.
    const rows = settledRows(0, 5);
    const schedule = new WindowSchedule(2, 50, rows, gate.write);
    for (let i = 0; i < 5; i += 1) schedule.settled();
    await ticks();
    assert.deepEqual(log, [], 'no write for rows a window cannot take');
    assert.equal(schedule.idle(), undefined);
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.deepEqual(log, ['write'], 'the timer writes what there is');
    gate.finish();
    await ticks();
    rows.writable = 6;
    rows.pending = 6;
    schedule.settled();
    await ticks();
    assert.deepEqual(log, ['write', 'written', 'write'], 'row 1 settled: a window can take them all');
    gate.finish();
    await schedule.stop();
  });
});
