import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { RequestDeadlines } from '../../../lib/delivery/request-deadlines';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const timeouts = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('RequestDeadlines', () => {
  it('calls a request its timeout once the whole time has passed, never before', async () => {
    const deadlines = new RequestDeadlines(40);
    const startedAt = performance.now();
    const expiredAfter = await new Promise<number>((resolve) => deadlines.start(() => resolve(performance.now() - startedAt)));
    assert.ok(expiredAfter >= 40, `expired after ${expiredAfter} ms`);
  });

  it('never calls one that was stopped, and calls the others in the order they started', async () => {
    const deadlines = new RequestDeadlines(30);
    const expired: string[] = [];
    const stopA = deadlines.start(() => expired.push('a'));
    await sleep(5);
    deadlines.start(() => expired.push('b'));
    const stopC = deadlines.start(() => expired.push('c'));
    deadlines.start(() => expired.push('d'));
    stopA();
    stopC();
    stopC();
    await sleep(80);
    assert.deepEqual(expired, ['b', 'd']);
  });

  it('gives a request started after the first its own full time, after the first was stopped', async () => {
    const deadlines = new RequestDeadlines(40);
    const stopFirst = deadlines.start(() => assert.fail('the first was stopped'));
    await sleep(20);
    const secondAt = performance.now();
    const expired = new Promise<number>((resolve) => deadlines.start(() => resolve(performance.now() - secondAt)));
    stopFirst();
    const after = await expired;
    assert.ok(after >= 40, `the second expired after ${after} ms of its own`);
  });

  it('keeps no timer once no request waits, and arms one again for the next', async () => {
    const before = timeouts();
    const deadlines = new RequestDeadlines(60_000);
    const stops = [deadlines.start(() => {}), deadlines.start(() => {})];
    assert.equal(timeouts(), before + 1, 'one timer for both');
    for (const stop of stops) stop();
    assert.equal(timeouts(), before);
    const expired = new Promise<void>((resolve) => new RequestDeadlines(10).start(resolve));
    await expired;
    const stop = deadlines.start(() => {});
    assert.equal(timeouts(), before + 1);
    stop();
    assert.equal(timeouts(), before);
  });
});
