// The checkpoint passes a row only once every row before it settled, whatever order rows settle in. The
// tracker is checked against a plain Map of settled rows, the way it kept them before, over generated orders.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CheckpointTracker, type RowResult, type Window } from '../../../lib/processing/checkpoint-tracker';
import { seededRandom } from '../../support/seeded-random';

function failed(rowNumber: number, transient: boolean): RowResult {
  return {
    ok: false,
    transient,
    failure: { rowNumber, payload: '{}', originalPayload: null, idempotencyKey: `k-${rowNumber}`, errorKind: transient ? 'transient' : 'permanent', error: 'refused' },
  };
}

function resultFor(rowNumber: number, random: () => number): RowResult {
  const pick = random();
  if (pick < 0.7) return { ok: true, key: `k-${rowNumber}` };
  if (pick < 0.8) return { ok: true, key: `k-${rowNumber}`, skipped: true };
  if (pick < 0.9) return failed(rowNumber, pick < 0.85);
  return { ok: false, transient: false, failedWithRow: rowNumber - 1 };
}

/** The tracker as it was: settled rows in a Map, taken from the checkpoint on. */
class MapTracker {
  private readonly settled = new Map<number, RowResult>();
  constructor(private checkpoint: number) {}
  get pending(): number {
    return this.settled.size;
  }
  get writable(): number {
    let rows = 0;
    while (this.settled.has(this.checkpoint + 1 + rows)) rows += 1;
    return rows;
  }
  settle(rowNumber: number, result: RowResult): void {
    if (rowNumber > this.checkpoint) this.settled.set(rowNumber, result);
  }
  takeWindow(holdTransient: boolean): Window {
    const window: Window = { checkpointRow: this.checkpoint, processed: 0, succeeded: 0, failed: 0, failures: [], rowNumbers: [], succeededKeys: [], skipped: 0, mappings: [] };
    for (let row = this.checkpoint + 1; this.settled.has(row); row += 1) {
      const result = this.settled.get(row)!;
      if (!result.ok && result.transient && holdTransient) break;
      this.settled.delete(row);
      window.checkpointRow = row;
      window.processed += 1;
      if (result.ok || 'failure' in result) window.rowNumbers.push(row);
      if (result.ok && result.skipped) {
        window.skipped += 1;
        if (result.key) window.succeededKeys.push(result.key);
      } else if (result.ok) {
        window.succeeded += 1;
        if (result.key) window.succeededKeys.push(result.key);
      } else {
        window.failed += 1;
        if ('failure' in result) window.failures.push(result.failure);
      }
    }
    this.checkpoint = window.checkpointRow;
    return window;
  }
}


describe('CheckpointTracker', () => {
  it('moves the checkpoint only over a complete prefix of settled rows', () => {
    const tracker = new CheckpointTracker(10);
    tracker.settle(13, { ok: true, key: 'k-13' });
    tracker.settle(12, { ok: true, key: 'k-12' });
    tracker.settle(9, { ok: true, key: 'k-9' });
    assert.equal(tracker.pending, 2);
    assert.equal(tracker.writable, 0, 'row 11 is under way');
    assert.equal(tracker.takeWindow(false).processed, 0);
    tracker.settle(11, failed(11, false));
    assert.equal(tracker.writable, 3);
    const window = tracker.takeWindow(false);
    assert.deepEqual([window.checkpointRow, window.processed, window.succeeded, window.failed], [13, 3, 2, 1]);
    assert.deepEqual(window.rowNumbers, [11, 12, 13]);
    assert.equal(tracker.checkpointRow, 13);
    assert.equal(tracker.pending, 0);
  });

  it('holds a transiently failed row, and the rows after it, while the downstream is down', () => {
    const tracker = new CheckpointTracker(0);
    tracker.settle(1, { ok: true, key: 'k-1' });
    tracker.settle(2, failed(2, true));
    tracker.settle(3, { ok: true, key: 'k-3' });
    assert.equal(tracker.takeWindow(true).checkpointRow, 1);
    assert.equal(tracker.pending, 2);
    tracker.settle(2, { ok: true, key: 'k-2' });
    assert.equal(tracker.pending, 2, 'settled again, a row counts once');
    const window = tracker.takeWindow(true);
    assert.deepEqual([window.checkpointRow, window.succeeded], [3, 2]);
  });

  it('gives the windows a Map of settled rows gave, over generated orders, through many thousand rows', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const random = seededRandom(seed);
      const start = Math.floor(random() * 1000);
      const tracker = new CheckpointTracker(start);
      const reference = new MapTracker(start);
      const rows = 6000;
      // Rows settle up to `spread` out of order, as they do with that many in flight.
      const spread = 1 + Math.floor(random() * 200);
      const order = Array.from({ length: rows }, (_, i) => start + 1 + i);
      for (let i = 0; i < rows; i += 1) {
        const j = Math.min(rows - 1, i + Math.floor(random() * spread));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const rowNumber of order) {
        const result = resultFor(rowNumber, random);
        tracker.settle(rowNumber, result);
        reference.settle(rowNumber, result);
        if (random() < 0.05) tracker.settle(rowNumber - 3000, result), reference.settle(rowNumber - 3000, result);
        assert.equal(tracker.pending, reference.pending);
        assert.equal(tracker.writable, reference.writable, `seed ${seed}, writable after row ${rowNumber}`);
        if (random() < 0.02) {
          const hold = random() < 0.5;
          assert.deepEqual(tracker.takeWindow(hold), reference.takeWindow(hold), `seed ${seed}, after row ${rowNumber}`);
          assert.equal(tracker.writable, reference.writable, `seed ${seed}, writable after the window at row ${rowNumber}`);
        }
      }
      assert.deepEqual(tracker.takeWindow(false), reference.takeWindow(false));
      assert.equal(tracker.checkpointRow, start + rows);
      assert.equal(tracker.pending, 0);
    }
  });

  it('keeps no key of a plain success when told so: the windows are the same, their succeededKeys without those', () => {
    for (const seed of [11, 12, 13]) {
      const random = seededRandom(seed);
      const tracker = new CheckpointTracker(0, false);
      const reference = new MapTracker(0);
      const plainKeys = new Set<string>();
      const order = Array.from({ length: 5000 }, (_, i) => i + 1);
      for (let i = 0; i < order.length; i += 1) {
        const j = Math.min(order.length - 1, i + Math.floor(random() * 40));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const rowNumber of order) {
        const result = resultFor(rowNumber, random);
        if (result.ok && !result.skipped && result.key) plainKeys.add(result.key);
        tracker.settle(rowNumber, result);
        reference.settle(rowNumber, result);
        if (random() < 0.02) {
          const expected = reference.takeWindow(false);
          const window = tracker.takeWindow(false);
          assert.deepEqual(window, { ...expected, succeededKeys: expected.succeededKeys.filter((key) => !plainKeys.has(key)) });
        }
      }
      const expected = reference.takeWindow(false);
      assert.deepEqual(tracker.takeWindow(false), { ...expected, succeededKeys: expected.succeededKeys.filter((key) => !plainKeys.has(key)) });
      assert.equal(tracker.checkpointRow, 5000);
      assert.ok(plainKeys.size > 3000, 'most rows were plain successes');
    }
  });

  it('holds rows settled far ahead of the checkpoint, the ring grown while it wraps', () => {
    const random = seededRandom(21);
    const tracker = new CheckpointTracker(100);
    const reference = new MapTracker(100);
    // Take 1,500 rows first, so the ring's start is not its first slot when it grows.
    for (let row = 101; row <= 1600; row += 1) {
      tracker.settle(row, { ok: true, key: `k-${row}` });
      reference.settle(row, { ok: true, key: `k-${row}` });
    }
    assert.deepEqual(tracker.takeWindow(false), reference.takeWindow(false));
    // 9,000 rows settle last to first: every one waits until row 1601 settles, and the first one settled grows the ring.
    for (let row = 10_600; row >= 1601; row -= 1) {
      const result = resultFor(row, random);
      tracker.settle(row, result);
      reference.settle(row, result);
      if (row % 997 === 0) assert.deepEqual(tracker.takeWindow(false), reference.takeWindow(false), 'nothing to take before row 1601');
    }
    assert.equal(tracker.pending, 9000);
    assert.equal(tracker.writable, 9000, 'row 1601, settled last, joins the rows after it');
    const window = tracker.takeWindow(false);
    assert.deepEqual(window, reference.takeWindow(false));
    assert.equal(window.checkpointRow, 10_600);
    assert.equal(window.processed, 9000);
    assert.equal(tracker.pending, 0);
    assert.equal(tracker.writable, 0);
  });
});
