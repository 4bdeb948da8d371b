/** Reading request parameters: every bad value is a 400 that names the parameter. */
import type { Context } from 'hono';
import { invalidParameter } from './http-error.ts';

export const defaultLimit = 50;
export const maxLimit = 500;

/** `?limit=`: 1..500 (default 50). */
export function limitParam(context: Context, fallback = defaultLimit, max = maxLimit): number {
  const value = context.req.query('limit');
  if (value === undefined || value === '') return fallback;
  const limit = strictInteger(value);
  if (limit === null || limit < 1) throw invalidParameter('limit', `must be a whole number from 1 to ${max}, got "${value}"`);
  if (limit > max) throw invalidParameter('limit', `at most ${max} per page, got ${limit}`);
  return limit;
}

/** A positive integer parameter (query or path). */
export function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = strictInteger(value);
  if (number === null || number < 1) throw invalidParameter(name, `must be a positive whole number, got "${value}"`);
  return number;
}

export function requiredPositiveInteger(name: string, value: string | undefined): number {
  const number = positiveInteger(name, value);
  if (number === undefined) throw invalidParameter(name, 'is required');
  return number;
}

/** One of a fixed set of values. */
export function oneOf<T extends string>(name: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(choices as readonly string[]).includes(value)) throw invalidParameter(name, `must be one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}

/** A free-text parameter, bounded in length. */
export function textParam(context: Context, name: string, maxLength = 500): string | undefined {
  const value = context.req.query(name);
  if (value === undefined || value === '') return undefined;
  if (value.length > maxLength) throw invalidParameter(name, `at most ${maxLength} characters, got ${value.length}`);
  return value;
}

/** `true`/`false`/`1`/`0`. */
export function booleanParam(context: Context, name: string): boolean | undefined {
  const value = context.req.query(name);
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw invalidParameter(name, `must be true or false, got "${value}"`);
}

function strictInteger(value: string): number | null {
  if (!/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}

/** The JSON body of an unsafe request; a body that is not JSON is a 400. */
export async function jsonBody(context: Context): Promise<unknown> {
  const text = await context.req.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidParameter('body', `is not valid JSON (${(error as Error).message})`);
  }
}
