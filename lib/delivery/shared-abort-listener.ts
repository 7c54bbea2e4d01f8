// Many requests in flight listen to one signal (a batch run's cancel signal). An EventTarget listener
// added and removed per request costs a microsecond or two each time; one listener per signal while
// any request listens, calling the requests' own from a list, costs a tenth of it. The signal's listener
// goes when its last request stops listening: a long-lived signal keeps none.
//
// The list is an array, not a Set: a Set that a listener joins and leaves on every request rehashes into a
// new table over and over, and V8 links each old table to the next one. After a full collection has moved
// one table to the old generation, that link keeps every later table, and every request its listeners hold,
// alive through two scavenges: the whole of each request was promoted, some 7 MB a second on a batch.

interface Listening {
  listener: () => void;
  /** Its place in the list; -1 once it stopped listening or was called. */
  index: number;
  /** When it began listening, among this signal's listeners: the order they are called in. */
  since: number;
}

interface SharedListener {
  listening: Listening[];
  fire: () => void;
  joined: number;
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
    const listening: Listening[] = [];
    const fire = () => {
      sharedBySignal.delete(signal);
      const called = listening.splice(0);
      for (const each of called) each.index = -1;
      // In the order they began listening, as the signal's own listeners would be called.
      called.sort((a, b) => a.since - b.since);
      for (const each of called) each.listener();
    };
    shared = { listening, fire, joined: 0 };
    sharedBySignal.set(signal, shared);
    signal.addEventListener('abort', fire, { once: true });
  }
  const { listening, fire } = shared;
  const entry: Listening = { listener, index: listening.length, since: shared.joined++ };
  listening.push(entry);
  return () => {
    if (entry.index < 0) return;
    // The last entry takes the leaving one's place: no search, no shifting.
    const last = listening.pop()!;
    if (last !== entry) {
      listening[entry.index] = last;
      last.index = entry.index;
    }
    entry.index = -1;
    if (listening.length > 0) return;
    signal.removeEventListener('abort', fire);
    if (sharedBySignal.get(signal)?.fire === fire) sharedBySignal.delete(signal);
  };
}
