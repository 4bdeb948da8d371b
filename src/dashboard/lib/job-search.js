/**
 * The job search box: a small query language over the jobs list's filters.
 *
 *   status:dead,retry interrogation:sw_entity_facts_v1 label:demo model:"llama3.2:latest" error:invalid_json luke
 *
 * `key:value` terms set a filter (values may be "quoted"); everything else is text searched inside the
 * job's input (`q`, the words as one phrase; quote a word that has a colon). Statuses take the queue's names or their short forms (dead, done, queued …). The
 * parser never throws: it returns the filters it understood and a message for each term it did not.
 */

export const jobStatuses = ['NEW', 'RUNNING', 'RETRY', 'SUCCEEDED', 'DEADLETTER'];

/** Filter name → the URL/API parameter it sets. */
const keyAliases = {
  status: 'status',
  is: 'status',
  interrogation: 'interrogation',
  int: 'interrogation',
  label: 'label',
  run: 'label',
  run_label: 'label',
  model: 'model',
  error: 'error',
  code: 'error',
  error_code: 'error',
};

const statusAliases = {
  new: 'NEW',
  queued: 'NEW',
  running: 'RUNNING',
  retry: 'RETRY',
  retrying: 'RETRY',
  succeeded: 'SUCCEEDED',
  success: 'SUCCEEDED',
  done: 'SUCCEEDED',
  deadletter: 'DEADLETTER',
  dead_letter: 'DEADLETTER',
  dead: 'DEADLETTER',
};

/** The parameters of a search, in URL order. */
export const jobFilterKeys = ['status', 'interrogation', 'label', 'model', 'error', 'q'];

/** Splits into terms: `key:value`, `key:"quoted value"`, `"quoted text"`, or bare words. */
export function tokenize(text) {
  const terms = [];
  let index = 0;
  const input = String(text ?? '');
  while (index < input.length) {
    while (index < input.length && /\s/.test(input[index])) index += 1;
    if (index >= input.length) break;
    let key = null;
    const keyMatch = /^([A-Za-z_]+):/.exec(input.slice(index));
    if (keyMatch) {
      key = keyMatch[1];
      index += keyMatch[0].length;
    }
    let value = '';
    let quoted = false;
    if (input[index] === '"') {
      quoted = true;
      index += 1;
      const end = input.indexOf('"', index);
      value = end < 0 ? input.slice(index) : input.slice(index, end);
      index = end < 0 ? input.length : end + 1;
    } else {
      const start = index;
      while (index < input.length && !/\s/.test(input[index])) index += 1;
      value = input.slice(start, index);
    }
    terms.push({ key, value, quoted });
  }
  return terms;
}

function normalizeStatus(word) {
  const lower = word.trim().toLowerCase();
  if (statusAliases[lower]) return statusAliases[lower];
  const upper = word.trim().toUpperCase();
  return jobStatuses.includes(upper) ? upper : null;
}

/**
 * Parses the search box: `{ filters: { status?: string[], interrogation?, label?, model?, error?, q? }, errors: string[] }`.
 */
export function parseJobSearch(text) {
  const filters = {};
  const errors = [];
  const words = [];
  for (const term of tokenize(text)) {
    if (term.key === null) {
      if (term.value.trim() !== '') words.push(term.value.trim());
      continue;
    }
    const name = keyAliases[term.key.toLowerCase()];
    if (!name) {
      errors.push(`Unknown filter "${term.key}:" (use status, interrogation, label, model, error, or quote the text).`);
      continue;
    }
    if (term.value === '') {
      errors.push(`The filter "${term.key}:" needs a value.`);
      continue;
    }
    if (name === 'status') {
      for (const part of term.value.split(',').filter((entry) => entry.trim() !== '')) {
        const status = normalizeStatus(part);
        if (!status) errors.push(`Unknown status "${part}" (one of ${jobStatuses.join(', ')}).`);
        else if (!(filters.status ?? []).includes(status)) filters.status = [...(filters.status ?? []), status];
      }
      continue;
    }
    if (filters[name] !== undefined && filters[name] !== term.value) {
      errors.push(`"${term.key}:" is given twice (${filters[name]}, ${term.value}); a job has one.`);
      continue;
    }
    filters[name] = term.value;
  }
  if (words.length > 0) filters.q = words.join(' ');
  return { filters, errors };
}

function quote(value) {
  return /[\s"]/.test(value) || value === '' ? `"${value.replaceAll('"', '')}"` : value;
}

/** The search box text for filters (what `parseJobSearch` reads back to the same filters). */
export function formatJobSearch(filters) {
  const parts = [];
  if (filters.status?.length) parts.push(`status:${filters.status.join(',')}`);
  for (const key of ['interrogation', 'label', 'model', 'error']) {
    if (filters[key] !== undefined && filters[key] !== '') parts.push(`${key}:${quote(filters[key])}`);
  }
  if (filters.q) parts.push(filters.q);
  return parts.join(' ');
}

/** Filters → URL (and API) parameters, empty ones left out. */
export function jobFiltersToParams(filters) {
  const params = {};
  for (const key of jobFilterKeys) {
    const value = key === 'status' ? filters.status?.join(',') : filters[key];
    if (value !== undefined && value !== '') params[key] = value;
  }
  return params;
}

/** URL parameters (a URLSearchParams or a plain object) → filters, statuses checked. */
export function jobFiltersFromParams(params) {
  const get = (key) => (typeof params.get === 'function' ? params.get(key) : params[key]) ?? undefined;
  const filters = {};
  const status = get('status');
  if (status) {
    const statuses = status.split(',').map(normalizeStatus).filter(Boolean);
    if (statuses.length > 0) filters.status = [...new Set(statuses)];
  }
  for (const key of ['interrogation', 'label', 'model', 'error', 'q']) {
    const value = get(key);
    if (value) filters[key] = value;
  }
  return filters;
}
