import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunGuard } from '../../../lib/schedule';

describe('RunGuard', () => {
  it('drops a run asked for while one is in progress, and takes the next one after', async () => {
    const guard = new RunGuard();
    let release!: () => void;
    const first = guard.tryRun(() => new Promise<string>((resolve) => (release = () => resolve('first'))));
    assert.ok(first);
    assert.equal(guard.busy, true);
    assert.equal(guard.tryRun(async () => 'second'), undefined, 'dropped while the first runs');
    release();
    assert.equal(await first, 'first');
    assert.equal(guard.busy, false);
    assert.equal(await guard.tryRun(async () => 'third'), 'third');
  });

  it('idle() waits for the run in progress, even one that fails', async () => {
    const guard = new RunGuard();
    let finished = false;
    const failing = guard.tryRun(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      finished = true;
      throw new Error('boom');
    })!;
    failing.catch(() => undefined);
    await guard.idle();
    assert.equal(finished, true);
    assert.equal(guard.busy, false);
    await assert.rejects(failing, /boom/);
  });
});
