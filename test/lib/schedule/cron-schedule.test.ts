import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidRequestError } from '../../../lib/errors';
import { createSchedule, validateCron } from '../../../lib/schedule';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('validateCron', () => {
  it('accepts 5 fields, 6 fields with seconds first, and nicknames', () => {
    for (const expression of ['*/10 * * * * *', '0 2 * * *', '0 0 6 * * MON-FRI', '@hourly']) {
      assert.equal(validateCron(expression), null, expression);
    }
    assert.equal(validateCron('0 2 * * *', 'Europe/Amsterdam'), null);
  });

  it("rejects a bad expression with croner's reason", () => {
    assert.equal(validateCron('61 * * * *'), 'cron expression "61 * * * *" is not valid: Invalid value for minute: 61');
    assert.match(validateCron('*/0 * * * * *')!, /illegal stepping: 0/);
    assert.match(validateCron('every minute')!, /space separated parts are required/);
    assert.match(validateCron('* * * * * * *')!, /requires exactly 5 or 6 parts/, 'no year field: the editor promises 5 or 6');
    assert.match(validateCron('  ')!, /a cron expression is required/);
  });

  it('rejects an unknown time zone and an expression that never fires', () => {
    assert.match(validateCron('* * * * *', 'Mars/Olympus')!, /time zone "Mars\/Olympus" is not known/);
    assert.match(validateCron('0 0 30 2 *')!, /never fires/);
  });
});

describe('createSchedule', () => {
  it('computes the next run in the time zone of the schedule', () => {
    const noon = createSchedule('0 0 12 * * *', 'Asia/Tokyo', () => undefined);
    try {
      const next = noon.nextRun()!;
      assert.ok(next.getTime() > Date.now());
      assert.ok(next.getTime() - Date.now() <= 24 * 3600_000);
      // 12:00 in Tokyo (UTC+9, no daylight saving time) is 03:00 UTC.
      assert.deepEqual([next.getUTCHours(), next.getUTCMinutes(), next.getUTCSeconds()], [3, 0, 0]);
    } finally {
      noon.stop();
    }
    assert.equal(noon.nextRun(), null, 'a stopped schedule has no next run');
  });

  it('refuses an invalid expression with the same reason as validateCron', () => {
    assert.throws(() => createSchedule('61 * * * *', undefined, () => undefined), (error: unknown) => {
      assert.ok(error instanceof InvalidRequestError);
      assert.match(error.message, /Invalid value for minute: 61/);
      return true;
    });
  });

  it('fires on the schedule and stops firing once stopped', { timeout: 10_000 }, async () => {
    let ticks = 0;
    const everySecond = createSchedule('*/1 * * * * *', undefined, () => {
      ticks += 1;
    });
    await sleep(2_500);
    everySecond.stop();
    assert.ok(ticks >= 2, `fired ${ticks} times in 2.5 s`);
    const stoppedAt = ticks;
    await sleep(1_200);
    assert.equal(ticks, stoppedAt, 'no tick after stop');
  });

  it('never overlaps a slow tick with the next one', { timeout: 10_000 }, async () => {
    let started = 0;
    let running = 0;
    let overlapped = false;
    const slow = createSchedule('*/1 * * * * *', undefined, async () => {
      started += 1;
      running += 1;
      if (running > 1) overlapped = true;
      await sleep(2_500);
      running -= 1;
    });
    await sleep(3_200);
    slow.stop();
    assert.equal(overlapped, false);
    assert.ok(started >= 1 && started <= 2, `${started} ticks started in 3.2 s with a 2.5 s tick every second`);
  });
});
