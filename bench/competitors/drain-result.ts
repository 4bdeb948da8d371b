/** Shared result shape and helpers for the competitor no-op drain benchmarks (graphile-worker, pg-boss). */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

export interface DrainResult {
  system: string;
  version: string;
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
  configuration: string;
}

const require = createRequire(import.meta.url);

/** Version of an installed package, read from its package.json (both competitors allow that deep path). */
export function installedVersion(packageName: string): string {
  const manifestPath = require.resolve(`${packageName}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { version?: unknown };
  return typeof manifest.version === "string" ? manifest.version : "unknown";
}

/** A fresh, collision-free PostgreSQL schema name such as `bench_graphile_3f9a1c2b7d`. */
export function randomSchemaName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

/** Double-quotes a PostgreSQL identifier. */
export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** Default bound for one drain: generous for the slowest competitor, still fails loudly instead of hanging. */
export function defaultTimeoutMilliseconds(jobs: number): number {
  return 120_000 + jobs * 2;
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Rejects with a descriptive error if `promise` has not settled within `milliseconds`. */
export async function withTimeout<T>(promise: Promise<T>, milliseconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${milliseconds} ms`)), milliseconds);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function makeDrainResult(fields: Omit<DrainResult, "jobsPerSecond">): DrainResult {
  return { ...fields, jobsPerSecond: fields.jobs / fields.seconds };
}
