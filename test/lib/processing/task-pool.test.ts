import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskPool } from '../../../lib/processing/task-pool';

/** A task that runs until its test ends it. */
function openTask(log: string[], name: string): { task: () => Promise<void>; end: () => void } {
  let end = () => {};
  const task = () => {
    log.push(`start ${name}`);
    return new Promise<void>((resolve) => {
      end = () => {
        log.push(`end ${name}`);
        resolve();
      };
    });
  };
  return { task, end: () => end() };
}

const ticks = () => new Promise((resolve) => setImmediate(resolve));

describe('TaskPool', () => {
  it('starts tasks at once while a slot is free, and keeps the caller waiting when all are taken', async () => {
    const log: string[] = [];
    const pool = new TaskPool(2);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => openTask(log, name));
    await pool.run(a.task);
    await pool.run(b.task);
    let cStarted = false;
    const waitingForC = pool.run(c.task).then(() => {
      cStarted = true;
    });
    await ticks();
    assert.deepEqual(log, ['start a', 'start b']);
    assert.equal(cStarted, false, 'run returns only once its task has started');
    b.end();
    await waitingForC;
    assert.deepEqual(log, ['start a', 'start b', 'end b', 'start c']);
    a.end();
    c.end();
    await pool.drain();
  });

  it('never runs more than the limit, and drain waits for every started task', async () => {
    const pool = new TaskPool(3);
    let running = 0;
    let most = 0;
    let done = 0;
    for (let index = 0; index < 20; index += 1) {
      await pool.run(async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, (index % 4) + 1));
        running -= 1;
        done += 1;
      });
    }
    assert.ok(done < 20, 'some tasks still run when the last one started');
    await pool.drain();
    assert.equal(done, 20);
    assert.equal(most, 3);
    await pool.drain();
  });

  it('gives the caller what a task throws before returning its promise, and frees its slot', async () => {
    const log: string[] = [];
    const pool = new TaskPool(1);
    await assert.rejects(
      pool.run(() => {
        throw new Error('broken task');
      }),
      /broken task/,
    );
    const next = openTask(log, 'next');
    await pool.run(next.task);
    assert.deepEqual(log, ['start next']);
    next.end();
    await pool.drain();
    assert.deepEqual(log, ['start next', 'end next']);
  });

  it('startOrQueue starts a task with a free slot at once and returns nothing, else a promise of its start', async () => {
    const log: string[] = [];
    const pool = new TaskPool(1);
    const [a, b] = ['a', 'b'].map((name) => openTask(log, name));
    assert.equal(pool.startOrQueue(a.task), undefined);
    assert.deepEqual(log, ['start a']);
    const waitingForB = pool.startOrQueue(b.task);
    assert.ok(waitingForB instanceof Promise);
    await ticks();
    assert.deepEqual(log, ['start a'], 'b waits for a free slot');
    a.end();
    await waitingForB;
    assert.deepEqual(log, ['start a', 'end a', 'start b']);
    b.end();
    await pool.drain();
  });

  it('startOrQueue throws what a task throws before returning its promise, and frees its slot', async () => {
    const log: string[] = [];
    const pool = new TaskPool(1);
    assert.throws(
      () =>
        pool.startOrQueue(() => {
          throw new Error('broken task');
        }),
      /broken task/,
    );
    const next = openTask(log, 'next');
    assert.equal(pool.startOrQueue(next.task), undefined);
    next.end();
    await pool.drain();
    assert.deepEqual(log, ['start next', 'end next']);
  });
});
