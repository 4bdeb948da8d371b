/**
 * Live updates: one EventSource on /api/events for the whole page (opened by the first listener,
 * reconnecting by itself), with listeners per event type and for the connection's state.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

let source = null;
const listeners = new Map();
const stateListeners = new Set();
let state = 'connecting';

function setState(next) {
  state = next;
  for (const listener of stateListeners) listener(next);
}

function open() {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource('/api/events', { withCredentials: true });
  source.onopen = () => setState('live');
  source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  for (const type of listeners.keys()) attach(type);
}

const attached = new Set();
function attach(type) {
  if (!source || attached.has(type)) return;
  attached.add(type);
  source.addEventListener(type, (event) => {
    let data = null;
    try {
      data = JSON.parse(event.data);
    } catch {
      data = event.data;
    }
    for (const listener of listeners.get(type) ?? []) listener(data);
  });
}

/** Opens the stream again (after signing in: a refused stream is not retried by the browser). */
export function reconnect() {
  source?.close();
  source = null;
  attached.clear();
  setState('connecting');
  open();
}

export function subscribe(type, listener) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(listener);
  open();
  attach(type);
  return () => listeners.get(type).delete(listener);
}

/** Calls `handler(data)` on each event of `type` (the latest handler; no resubscribing on re-render). */
export function useLiveEvent(type, handler) {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => subscribe(type, (data) => latest.current(data)), [type]);
}

/** 'connecting' | 'live' | 'reconnecting' | 'closed'. */
export function useLiveState() {
  const [value, setValue] = useState(state);
  useEffect(() => {
    open();
    stateListeners.add(setValue);
    setValue(state);
    return () => stateListeners.delete(setValue);
  }, []);
  return value;
}
