// Many requests in flight listen to one signal (a batch run's cancel signal). An EventTarget listener
// added and removed per request costs a microsecond or two each time; one listener per signal while
// any request listens, calling the requests' own from a Set, costs a tenth of it. The signal's listener
// goes when its last request stops listening: a long-lived signal keeps none.

interface SharedListener {
  listeners: Set<() => void>;
  fire: () => void;
}

const sharedBySignal = new WeakMap<AbortSignal, SharedListener>();

/**
 * Calls `listener` once when `signal` aborts, as addEventListener('abort', listener, { once: true })
 * would (never, when it has aborted already); the function returned removes it.
 */
export function listenForAbort(signal: AbortSignal, listener: () => void): () => void {
  if (signal.aborted) return () => {};
  let shared = sharedBySignal.get(signal);
  if (!shared) {
    const listeners = new Set<() => void>();
    const fire = () => {
      sharedBySignal.delete(signal);
      const called = [...listeners];
      listeners.clear();
      for (const each of called) each();
    };
    shared = { listeners, fire };
    sharedBySignal.set(signal, shared);
    signal.addEventListener('abort', fire, { once: true });
  }
  const { listeners, fire } = shared;
  listeners.add(listener);
  return () => {
    if (!listeners.delete(listener) || listeners.size > 0) return;
    signal.removeEventListener('abort', fire);
    if (sharedBySignal.get(signal)?.fire === fire) sharedBySignal.delete(signal);
  };
}
