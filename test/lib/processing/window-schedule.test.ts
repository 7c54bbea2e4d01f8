import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WindowSchedule } from '../../../lib/processing/window-schedule';

/** A write the test lets finish; each call is logged with the rows it was told were pending. */
function gatedWrite(log: string[]) {
  let finish: (left: number) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const write = () => {
    log.push('write');
    return new Promise<number>((resolve, reject) => {
      finish = (left) => {
        log.push('written');
        resolve(left);
      };
      fail = reject;
    });
  };
  return { write, finish: (left = 0) => finish(left), fail: (error: Error) => fail(error) };
}

const ticks = () => new Promise((resolve) => setImmediate(resolve));

describe('WindowSchedule.idle', () => {
  it('gives nothing to wait for while no write is queued or under way', async () => {
    const log: string[] = [];
    const gate = gatedWrite(log);
    const schedule = new WindowSchedule(2, 60_000, gate.write);
    assert.equal(schedule.idle(0), undefined);
    schedule.settled(1);
    assert.equal(schedule.idle(1), undefined, 'a row below the window only starts the timer');
    await schedule.stop();
  });

  it('goes on during a write until a second window waits behind it, then waits for the write', async () => {
    const log: string[] = [];
    const gate = gatedWrite(log);
    const schedule = new WindowSchedule(2, 60_000, gate.write);
    schedule.settled(2);
    await ticks();
    assert.deepEqual(log, ['write']);
    assert.equal(schedule.idle(0), undefined, 'nothing settled behind the write');
    assert.equal(schedule.idle(1), undefined, 'less than a window settled behind the write');
    const waiting = schedule.idle(2);
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
    assert.equal(schedule.idle(2), undefined);
    await schedule.stop();
  });

  it('throws what a write threw, at once when no write is under way', async () => {
    const log: string[] = [];
    const gate = gatedWrite(log);
    const schedule = new WindowSchedule(1, 60_000, gate.write);
    schedule.settled(1);
    const waiting = schedule.idle(1);
    await ticks();
    assert.deepEqual(log, ['write']);
    gate.fail(new Error('store unreachable'));
    await assert.rejects(async () => waiting, /store unreachable/);
    assert.throws(() => schedule.idle(0), /store unreachable/);
    await assert.rejects(schedule.flush(), /store unreachable/);
    await schedule.stop();
  });
});
