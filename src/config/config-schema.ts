/** The configuration contract (zod): what a config file, the environment and flags may set. */
import { z } from 'zod';
import { isGoDuration } from '../durations/go-duration.ts';
import { jobRequestBounds } from '../pipeline/job-request-contract.ts';

const positiveInteger = z.number().int().positive();
// Node's timers wait at most 2^31 - 1 ms (24.8 days; longer fires at once) and a lease or backoff this
// long becomes a database timestamp: every duration stops at 24 days.
const maxSeconds = 2_073_600;
const atMost = [maxSeconds, 'must be at most 2073600 (24 days)'] as const;
const seconds = z.number().positive().max(...atMost);

export const configSchema = z
  .object({
    database: z.object({ url: z.string().min(1), poolSize: positiveInteger }).strict(),
    lake: z.object({ root: z.string().min(1) }).strict(),
    evidence: z
      .object({ root: z.string().min(1), maxItemChars: positiveInteger, maxTotalChars: positiveInteger })
      .strict(),
    interrogations: z.object({ directory: z.string().min(1).nullable() }).strict(),
    ollama: z
      .object({
        // z.string().url() alone takes "localhost:11434" (scheme "localhost:") and ftp:// or file:// URLs.
        baseUrl: z.string().url().regex(/^https?:\/\//i, 'must be an http:// or https:// URL, e.g. http://127.0.0.1:11434'),
        model: z.string().trim().min(1, 'a model name, not blank').nullable(),
        temperature: z.number().min(0).max(2),
        seed: z.number().int().nullable(),
        numCtx: z.number().int().positive().nullable(),
        numPredict: z.number().int().min(-2).nullable(),
        timeoutSeconds: seconds,
        firstByteTimeoutSeconds: seconds,
        // What Ollama reads: a Go duration ("5m", "1h30m") or seconds; negative keeps the model loaded.
        keepAlive: z.union([z.number(), z.string().refine(isGoDuration, 'a duration such as "5m" or "1h30m", or a number of seconds')]),
        stream: z.boolean(),
      })
      .strict(),
    worker: z
      .object({
        id: z.string().min(1).nullable(),
        concurrency: positiveInteger,
        prefetch: z.number().int().min(0).nullable(),
        pollSeconds: seconds,
        leaseSeconds: z.number().min(0.05).max(...atMost),
        shutdownGraceSeconds: z.number().min(0).max(...atMost),
      })
      .strict(),
    retry: z.object({ baseDelaySeconds: z.number().min(0).max(...atMost), maxDelaySeconds: z.number().min(0).max(...atMost) }).strict(),
    // The defaults of a job's priority and max_attempts, bounded as those are.
    queue: z
      .object({
        priority: z.number().int().min(jobRequestBounds.priority.min).max(jobRequestBounds.priority.max),
        maxAttempts: z.number().int().min(jobRequestBounds.maxAttempts.min).max(jobRequestBounds.maxAttempts.max),
      })
      .strict(),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) }).strict(),
  })
  .strict();

export type HolocronConfig = z.infer<typeof configSchema>;
