/** Formatting shared by the pages: counts, rates, durations, sizes, times, ids. */

export function formatCount(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return '–';
  return Number(value).toLocaleString('en-US');
}

/** 0.7361 → "73.6%". */
export function formatPercent(value, digits = 1) {
  if (value === null || value === undefined) return '–';
  return `${(Number(value) * 100).toFixed(digits)}%`;
}

/** A metric value: 3 decimals below 10, fewer above. */
export function formatValue(value) {
  if (value === null || value === undefined) return '–';
  const number = Number(value);
  if (!Number.isFinite(number)) return String(value);
  const magnitude = Math.abs(number);
  return number.toFixed(magnitude >= 1000 ? 0 : magnitude >= 10 ? 1 : 3);
}

/** A signed difference: "+0.281", "−33.4". */
export function formatDelta(value) {
  if (value === null || value === undefined) return '–';
  const text = formatValue(Math.abs(value));
  return `${value < 0 ? '−' : '+'}${text}`;
}

/** Milliseconds: "840 ms", "2.4 s", "3 m 12 s". */
export function formatMs(value) {
  if (value === null || value === undefined) return '–';
  const ms = Number(value);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} m ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatBytes(value) {
  if (value === null || value === undefined) return '–';
  const bytes = Number(value);
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Epoch milliseconds (or an ISO string) → "2026-12-02 06:30:01" in UTC. */
export function formatTime(value) {
  if (value === null || value === undefined || value === '') return '–';
  const date = new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

/** "12 s ago", "3 min ago", "5 h ago", "2 d ago" relative to `now`. */
export function formatAgo(value, now = Date.now()) {
  if (value === null || value === undefined) return '–';
  const seconds = Math.max(0, Math.round((now - Number(new Date(value))) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** The first 8 characters of a UUID-like id. */
export function shortId(id) {
  return id ? String(id).slice(0, 8) : '–';
}
