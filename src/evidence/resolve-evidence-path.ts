/**
 * Confines evidence file references to the evidence root. A path is refused when it escapes the root
 * lexically (`..`, an absolute path elsewhere) or physically (a symlink whose target is outside), checked
 * with realpath. Returns the real absolute path of an existing regular file.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export type EvidencePathErrorCode = 'outside_root' | 'not_found' | 'not_a_file' | 'root_not_found' | 'invalid_path';

export class EvidencePathError extends Error {
  override readonly name = 'EvidencePathError';
  readonly code: EvidencePathErrorCode;
  /** The path as it was asked for. */
  readonly requestedPath: string;
  readonly evidenceRoot: string;

  constructor(code: EvidencePathErrorCode, message: string, requestedPath: string, evidenceRoot: string, cause?: unknown) {
    super(message, { cause });
    this.code = code;
    this.requestedPath = requestedPath;
    this.evidenceRoot = evidenceRoot;
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  if (relative === '') return true;
  if (path.isAbsolute(relative)) return false; // another drive on Windows
  return relative !== '..' && !relative.startsWith(`..${path.sep}`);
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The real absolute path of the evidence root; throws `root_not_found` when it does not exist. */
export async function resolveEvidenceRoot(evidenceRoot: string): Promise<string> {
  const lexicalRoot = path.resolve(evidenceRoot);
  try {
    const realRoot = await realpath(lexicalRoot);
    if (!(await stat(realRoot)).isDirectory()) {
      throw new EvidencePathError('root_not_found', `evidence root ${lexicalRoot} is not a directory`, '', evidenceRoot);
    }
    return realRoot;
  } catch (error) {
    if (error instanceof EvidencePathError) throw error;
    throw new EvidencePathError('root_not_found', `evidence root ${lexicalRoot} does not exist`, '', evidenceRoot, error);
  }
}

/**
 * Resolves `requestedPath` (relative to the root, or absolute) to the real absolute path of a regular file
 * inside `evidenceRoot`. Throws `EvidencePathError` naming the path and the root otherwise.
 */
export async function resolveEvidencePath(evidenceRoot: string, requestedPath: string): Promise<string> {
  const lexicalRoot = path.resolve(evidenceRoot);
  const describe = `evidence path ${JSON.stringify(requestedPath)}`;
  if (typeof requestedPath !== 'string' || requestedPath.trim() === '' || requestedPath.includes('\0')) {
    throw new EvidencePathError('invalid_path', `${describe} is not a usable path`, String(requestedPath), evidenceRoot);
  }
  const realRoot = await resolveEvidenceRoot(evidenceRoot);

  // Lexical check first, before touching the file system, so paths outside never reveal whether they exist.
  // The root may itself be reached through a symlink, so either spelling of it counts as inside.
  const fromLexicalRoot = path.resolve(lexicalRoot, requestedPath);
  const fromRealRoot = path.resolve(realRoot, requestedPath);
  if (!isInside(lexicalRoot, fromLexicalRoot) && !isInside(realRoot, fromRealRoot)) {
    throw new EvidencePathError(
      'outside_root',
      `${describe} is outside the evidence root ${lexicalRoot}`,
      requestedPath,
      evidenceRoot,
    );
  }

  let realCandidate: string;
  try {
    realCandidate = await realpath(isInside(realRoot, fromRealRoot) ? fromRealRoot : fromLexicalRoot);
  } catch (error) {
    if (isMissing(error)) {
      throw new EvidencePathError('not_found', `${describe} does not exist under the evidence root ${lexicalRoot}`, requestedPath, evidenceRoot, error);
    }
    throw error;
  }
  if (!isInside(realRoot, realCandidate)) {
    throw new EvidencePathError(
      'outside_root',
      `${describe} resolves (through a symlink) to ${realCandidate}, outside the evidence root ${lexicalRoot}`,
      requestedPath,
      evidenceRoot,
    );
  }
  if (!(await stat(realCandidate)).isFile()) {
    throw new EvidencePathError('not_a_file', `${describe} is not a regular file (evidence root ${lexicalRoot})`, requestedPath, evidenceRoot);
  }
  return realCandidate;
}
