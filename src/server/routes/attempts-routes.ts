/**
 * An attempt's lake files: `GET /api/jobs/:id/attempts/:attemptId/files/:name`. The request names a
 * file only by its attempt and file name, both checked against safe patterns and then looked up in
 * the attempt's recorded artifacts: no part of the request is ever used as a filesystem path. The
 * recorded lake path is read through the lake (which refuses paths and links that lead out of it),
 * and the bytes are sent only after their sha256 matches the recorded one (409 `integrity_error`).
 * Files are served inert: nosniff, a sandboxing CSP, never as HTML.
 */
import path from 'node:path';
import { Hono } from 'hono';
import { readVerifiedArtifact } from '../../lake/read-verified-artifact.ts';
import { getAttemptArtifacts } from '../../queue/get-attempt-artifacts.ts';
import { HttpError, invalidParameter } from '../http-error.ts';
import { booleanParam, requiredPositiveInteger } from '../query-params.ts';
import type { RouteContext, ServerEnv } from '../server-context.ts';

const attemptIdPattern = /^[A-Za-z0-9_-]{1,128}$/;
const fileNamePattern = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

const contentTypes: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.ndjson': 'application/x-ndjson; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

export function attemptsRoutes({ holocron }: RouteContext): Hono<ServerEnv> {
  return new Hono<ServerEnv>().get('/jobs/:id/attempts/:attemptId/files/:name', async (context) => {
    const jobId = requiredPositiveInteger('id', context.req.param('id'));
    const attemptId = context.req.param('attemptId');
    if (!attemptIdPattern.test(attemptId)) throw invalidParameter('attemptId', 'is not an attempt id (letters, digits, - and _)');
    const name = context.req.param('name');
    if (!fileNamePattern.test(name) || name.includes('..')) throw invalidParameter('name', 'is not a lake file name (e.g. request.json)');
    const artifacts = await getAttemptArtifacts(holocron.database, jobId, attemptId);
    const artifact = artifacts.find((row) => path.posix.basename(row.lake_path) === name);
    if (!artifact) {
      throw new HttpError(
        404,
        'file_not_found',
        artifacts.length === 0
          ? `Job ${jobId} has no attempt ${attemptId} with files.`
          : `Attempt ${attemptId} has no file ${name} (it has ${artifacts.map((row) => path.posix.basename(row.lake_path)).join(', ')}).`,
      );
    }
    const bytes = await readVerifiedArtifact(holocron.lake, { lakePath: artifact.lake_path, sha256: artifact.sha256 });
    const download = booleanParam(context, 'download') ?? false;
    return context.body(new Uint8Array(bytes), 200, {
      'Content-Type': contentTypes[path.extname(name).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(bytes.length),
      'Content-Disposition': `${download ? 'attachment' : 'inline'}; filename="${name}"`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "sandbox; default-src 'none'",
      'X-Holocron-Sha256': artifact.sha256,
      'Cache-Control': 'private, no-cache',
    });
  });
}
