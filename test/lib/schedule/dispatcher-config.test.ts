import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidRequestError } from '../../../lib/errors';
import { clockTime, dispatcherKey, readDispatcherConfig, throttleRequest } from '../../../lib/schedule';

describe('dispatcher settings', () => {
  it('fills blanks with the defaults: every 10 seconds, fetch 10, 5 in flight, 300 s lease', () => {
    assert.deepEqual(readDispatcherConfig({ fetchSize: '', maxInFlight: '', leaseSeconds: '' }), {
      mode: 'batches',
      cron: '*/10 * * * * *',
      timezone: undefined,
      groupType: undefined,
      groupId: undefined,
      fetchSize: 10,
      maxInFlight: 5,
      leaseMs: 300_000,
      dispatcher: 'batches:*:*',
    });
  });

  it('reads numbers given as strings and names the setting that is wrong', () => {
    const config = readDispatcherConfig({ mode: 'errors', groupType: ' hr ', fetchSize: '3', maxInFlight: 4, leaseSeconds: '60' });
    assert.equal(config.fetchSize, 3);
    assert.equal(config.maxInFlight, 4);
    assert.equal(config.leaseMs, 60_000);
    assert.equal(config.dispatcher, 'errors:hr:*');
    assert.throws(() => readDispatcherConfig({ fetchSize: '0' }), /fetch size must be a whole number/);
    assert.throws(() => readDispatcherConfig({ leaseSeconds: 'soon' }), /lease time must be a whole number/);
    assert.throws(() => readDispatcherConfig({ mode: 'rows' }), InvalidRequestError);
  });

  it('keys the control row by dispatcher name, or by mode and group filters so runtimes share it', () => {
    assert.equal(dispatcherKey({ mode: 'batches', groupType: 'hr', groupId: 'bank' }), 'batches:hr:bank');
    assert.equal(dispatcherKey({ mode: 'batches', groupType: 'hr' }), 'batches:hr:*');
    assert.equal(dispatcherKey({ name: ' payroll ', mode: 'errors', groupType: 'hr' }), 'payroll');
    assert.throws(() => dispatcherKey({ name: 'x'.repeat(201), mode: 'batches' }), /longer than 200/);
  });

  it('reads a throttle request, taking digit strings as numbers', () => {
    assert.deepEqual(throttleRequest({ fetchSize: '4', maxInFlight: 2 }), { fetchSize: 4, maxInFlight: 2 });
    assert.deepEqual(throttleRequest({ maxInFlight: 'many' }), { fetchSize: undefined, maxInFlight: 'many' }, 'left for setThrottle to refuse');
    assert.throws(() => throttleRequest('fast'), /msg.payload = \{"fetchSize"/);
  });

  it('shows the next run in the schedule time zone', () => {
    const at = new Date(Date.UTC(2025, 0, 15, 11, 0, 10));
    assert.equal(clockTime(at, 'Europe/Amsterdam'), '12:00:10');
    assert.equal(clockTime(at, 'UTC'), '11:00:10');
  });
});
