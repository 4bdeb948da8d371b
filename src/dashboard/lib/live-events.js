/**
 * Live updates: one EventSource on /api/events for the whole page (opened by the first listener,
 * reconnecting by itself), with listeners per event type and for the connection's state. The server
 * sends `stats` to every stream, and `job` events only for the jobs a stream watches (`?jobs=1,2`):
 * pages say which jobs they show (`useWatchedJobs`), and the stream is reopened when that set changes.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

let source = null;
let sourceUrl = null;
const listeners = new Map();
const stateListeners = new Set();
const watchers = new Map();
let state = 'connecting';
let reopenTimer = null;
let watcherSeq = 0;
const attached = new Set();

function setState(next) {
  state = next;
  for (const listener of stateListeners) listener(next);
}

function watchedIds() {
  const ids = new Set();
  for (const list of watchers.values()) for (const id of list) ids.add(Number(id));
  return [...ids].filter((id) => Number.isSafeInteger(id) && id > 0).sort((a, b) => a - b).slice(0, 500);
}

function url() {
  const ids = watchedIds();
  return ids.length > 0 ? `/api/events?jobs=${ids.join(',')}` : '/api/events';
}

function open() {
  if (typeof EventSource === 'undefined') return;
  const next = url();
  if (source && sourceUrl === next && source.readyState !== EventSource.CLOSED) return;
  source?.close();
  attached.clear();
  sourceUrl = next;
  source = new EventSource(next, { withCredentials: true });
  const current = source;
  current.onopen = () => source === current && setState('live');
  current.onerror = () => source === current && setState(current.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  for (const type of listeners.keys()) attach(type);
}

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
  setState('connecting');
  open();
}

function reopenSoon() {
  clearTimeout(reopenTimer);
  reopenTimer = setTimeout(open, 50);
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

/** The jobs this component shows get `job` events while it is mounted. */
export function useWatchedJobs(ids) {
  const key = [...new Set(ids.map(Number))].sort((a, b) => a - b).join(',');
  useEffect(() => {
    if (key === '') return undefined;
    const token = ++watcherSeq;
    watchers.set(token, key.split(','));
    reopenSoon();
    return () => {
      watchers.delete(token);
      reopenSoon();
    };
  }, [key]);
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
