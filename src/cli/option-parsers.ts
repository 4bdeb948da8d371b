/** Parsers for flag values: a bad value is refused by commander with the flag's name. */
import { InvalidArgumentError } from 'commander';

export function integerOption(value: string): number {
  const number = Number(value);
  // Number('') is 0: an empty value must not pass for zero.
  if (value.trim() === '' || !Number.isInteger(number)) throw new InvalidArgumentError('must be a whole number');
  // 2^70 is an integer to JavaScript but a float to SQLite and no bigint to PostgreSQL.
  if (!Number.isSafeInteger(number)) throw new InvalidArgumentError(`must be at most ${Number.MAX_SAFE_INTEGER} in size`);
  return number;
}

export function positiveIntegerOption(value: string): number {
  const number = integerOption(value);
  if (number < 1) throw new InvalidArgumentError('must be 1 or more');
  return number;
}

export function positiveNumberOption(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('must be a number above 0');
  return number;
}

export function collectOption(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
