/**
 * What this browser may do: `{ tokenRequired, canAct }` from /api/session (a read-only token can look
 * but not act, so the pages hide their action buttons). A server without the route is treated as open.
 */
import { useEffect, useState } from 'preact/hooks';
import { getJson, postJson } from './api.js';
import { reconnect } from './live-events.js';

let session = null;
const listeners = new Set();

export async function loadSession() {
  try {
    session = await getJson('/api/session');
  } catch (error) {
    session = error.status === 404 ? { tokenRequired: false, canAct: true } : { tokenRequired: error.status === 401, canAct: false, error };
  }
  for (const listener of listeners) listener(session);
  return session;
}

export async function signIn(token) {
  await postJson('/api/session', { token });
  reconnect();
  return loadSession();
}

export function useSession() {
  const [value, setValue] = useState(session);
  useEffect(() => {
    listeners.add(setValue);
    if (session === null) loadSession();
    else setValue(session);
    return () => listeners.delete(setValue);
  }, []);
  return value ?? { tokenRequired: false, canAct: false, loading: true };
}
