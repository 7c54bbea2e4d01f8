import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { listenForAbort } from '../../../lib/delivery/shared-abort-listener';

describe('listenForAbort', () => {
  it('calls each listener still listening once when the signal aborts, through one listener on the signal', () => {
    const controller = new AbortController();
    const called: string[] = [];
    const stopA = listenForAbort(controller.signal, () => called.push('a'));
    const stopB = listenForAbort(controller.signal, () => called.push('b'));
    listenForAbort(controller.signal, () => called.push('c'));
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    stopB();
    controller.abort();
    controller.abort();
    assert.deepEqual(called, ['a', 'c']);
    stopA();
  });

  it('never calls a listener added after the signal aborted, as addEventListener would not', () => {
    const controller = new AbortController();
    listenForAbort(controller.signal, () => {});
    controller.abort();
    let called = false;
    listenForAbort(controller.signal, () => {
      called = true;
    })();
    const fresh = AbortSignal.abort();
    listenForAbort(fresh, () => {
      called = true;
    });
    assert.equal(called, false);
  });
});

describe('listenForAbort on a long-lived signal', () => {
  it('leaves no listener on the signal once the last one stops listening, and listens again after', () => {
    const controller = new AbortController();
    const stops = [1, 2, 3].map(() => listenForAbort(controller.signal, () => {}));
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    for (const stop of stops) stop();
    stops[0]();
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    let called = 0;
    listenForAbort(controller.signal, () => {
      called += 1;
    });
    controller.abort();
    assert.equal(called, 1);
  });
});

describe('listenForAbort with listeners joining and leaving', () => {
  it('calls exactly those still listening, in the order they began, after many have come and gone', () => {
    const controller = new AbortController();
    const called: number[] = [];
    const stops = new Map<number, () => void>();
    let state = 7;
    const random = () => ((state = (state * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 2000; i += 1) {
      stops.set(i, listenForAbort(controller.signal, () => called.push(i)));
      // Leave in any order, as requests end: some soon, some much later.
      for (const [j, stop] of stops) {
        if (random() < 0.06) {
          stop();
          stop();
          stops.delete(j);
        }
      }
    }
    assert.equal(getEventListeners(controller.signal, 'abort').length, stops.size > 0 ? 1 : 0);
    controller.abort();
    assert.deepEqual(called, [...stops.keys()].sort((a, b) => a - b));
    for (const stop of stops.values()) stop();
  });
});
