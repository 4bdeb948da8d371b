/**
 * Loads user interrogations from a folder: each `*.json` file (top level, in name order) is one
 * interrogation. A file is checked against our contract (zod), its schemas are compiled with Ajv and its
 * template parsed with mustache; every problem names the file. All files are checked before anything is
 * returned, and any problem (including a key used twice, or a built-in key) fails the whole folder.
 *
 * File shape: `{ key, title, description?, systemPrompt?, promptTemplate | promptFile, outputSchema? (absent:
 * free text), parser? (free text only),
 * inputSchema?, defaults?, rubric? }`, `promptFile` being relative to the JSON file. Without an
 * `inputSchema` any JSON object is accepted as input.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import Mustache from 'mustache';
import { z } from 'zod';
import { textParserNames } from '../documents/text-parsers.ts';
import { jobRequestBounds } from '../pipeline/job-request-contract.ts';
import type { Interrogation, InterrogationDefaults } from './interrogation.ts';
import { compileJsonSchema } from '../validation/output-validator.ts';

const generationOptionsSchema = z
  .object({
    temperature: z.number().min(0).optional(),
    seed: z.number().int().optional(),
    /** Ollama's context window (`num_ctx`): sent to Ollama endpoints as `providerOptions.ollama.numCtx`. */
    numCtx: z.number().int().positive().optional(),
    maxOutputTokens: z.number().int().optional(),
    /** The seed's (Ollama's) name for `maxOutputTokens`. */
    numPredict: z.number().int().optional(),
    topP: z.number().min(0).max(1).optional(),
    topK: z.number().int().nonnegative().optional(),
    stop: z.array(z.string()).optional(),
  })
  .strict();

const jsonSchemaObject = z.record(z.unknown());

/** The contract of one interrogation file. */
export const interrogationFileSchema = z
  .object({
    key: z
      .string()
      .max(100)
      .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, _ and - (e.g. my_facts_v1)'),
    title: z.string().min(1),
    description: z.string().optional(),
    systemPrompt: z.string().optional(),
    promptTemplate: z.string().min(1).optional(),
    promptFile: z.string().min(1).optional(),
    outputSchema: jsonSchemaObject.optional(),
    parser: z.string().min(1).optional(),
    inputSchema: jsonSchemaObject.optional(),
    defaults: z
      .object({
        model: z.string().min(1).optional(),
        options: generationOptionsSchema.optional(),
        // The same bounds as a job's own max_attempts and priority.
        maxAttempts: z.number().int().min(jobRequestBounds.maxAttempts.min).max(jobRequestBounds.maxAttempts.max).optional(),
        priority: z.number().int().min(jobRequestBounds.priority.min).max(jobRequestBounds.priority.max).optional(),
      })
      .strict()
      .optional(),
    rubric: z.string().optional(),
  })
  .strict();
export type InterrogationFile = z.infer<typeof interrogationFileSchema>;

/** The input schema of a file interrogation that gives none. */
export const anyObjectInputSchema = { type: 'object' } as const;

export interface InterrogationFolderProblem {
  /** The file as `<directory as given>/<name>`. */
  file: string;
  message: string;
}

export class InterrogationFolderError extends Error {
  override readonly name = 'InterrogationFolderError';
  readonly directory: string;
  readonly problems: InterrogationFolderProblem[];

  constructor(directory: string, message: string, problems: InterrogationFolderProblem[] = []) {
    super(message);
    this.directory = directory;
    this.problems = problems;
  }
}

export interface LoadInterrogationsFolderOptions {
  /** Keys that are already taken (e.g. the built-ins), with where they come from. */
  reservedKeys?: ReadonlyMap<string, string>;
}

function describeZodIssue(issue: z.ZodIssue): string {
  const where = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((key) => `"${key}"`).join(', ')}${where ? ` in ${where}` : ''}`;
  }
  if (issue.code === 'invalid_type' && issue.received === 'undefined') return `${where} is required`;
  return where ? `${where}: ${issue.message}` : issue.message;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function listJsonFiles(directory: string): Promise<string[]> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(directory)).isDirectory();
  } catch {
    throw new InterrogationFolderError(directory, `interrogations folder ${directory} does not exist`);
  }
  if (!isDirectory) throw new InterrogationFolderError(directory, `interrogations folder ${directory} is not a directory`);
  const entries = await readdir(directory, { withFileTypes: true });
  return entries
    .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && entry.name.toLowerCase().endsWith('.json'))
    .map((entry) => entry.name)
    .sort();
}

/**
 * Checks one file. Returns the interrogation, or the problems found (each without the file name).
 * `source` is the absolute path of the file.
 */
async function loadInterrogationFile(absolutePath: string): Promise<{ interrogation?: Interrogation; problems: string[] }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(absolutePath, 'utf8'));
  } catch (error) {
    return { problems: [error instanceof SyntaxError ? `not valid JSON: ${error.message}` : `cannot be read: ${reasonOf(error)}`] };
  }
  const parsed = interrogationFileSchema.safeParse(raw);
  if (!parsed.success) return { problems: parsed.error.issues.map(describeZodIssue) };
  const file = parsed.data;
  const problems: string[] = [];

  let promptTemplate: string | undefined;
  let templateName = 'promptTemplate';
  if (file.promptTemplate !== undefined && file.promptFile !== undefined) {
    problems.push('give either promptTemplate or promptFile, not both');
  } else if (file.promptTemplate !== undefined) {
    promptTemplate = file.promptTemplate;
  } else if (file.promptFile !== undefined) {
    templateName = `promptFile "${file.promptFile}"`;
    const promptPath = path.resolve(path.dirname(absolutePath), file.promptFile);
    try {
      promptTemplate = await readFile(promptPath, 'utf8');
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      problems.push(`${templateName} ${missing ? 'not found' : `cannot be read (${reasonOf(error)})`} (looked for ${promptPath})`);
    }
  } else {
    problems.push('promptTemplate or promptFile is required');
  }
  if (promptTemplate !== undefined) {
    try {
      Mustache.parse(promptTemplate);
    } catch (error) {
      problems.push(`${templateName} is not a valid mustache template: ${reasonOf(error)}`);
    }
  }

  const inputSchema = file.inputSchema ?? { ...anyObjectInputSchema };
  if (file.parser !== undefined && !textParserNames.includes(file.parser)) {
    problems.push(`parser: unknown parser "${file.parser}"; known: ${textParserNames.join(', ')}`);
  }
  if (file.parser !== undefined && file.outputSchema) problems.push('parser: a parser is for free-text answers; remove it or the outputSchema');
  for (const [name, schema] of [
    ['outputSchema', file.outputSchema],
    ['inputSchema', inputSchema],
  ] as const) {
    if (schema === undefined) continue;
    try {
      compileJsonSchema(schema);
    } catch (error) {
      problems.push(`${name} is not a valid JSON Schema: ${reasonOf(error)}`);
    }
  }

  if (problems.length > 0 || promptTemplate === undefined) return { problems };
  const interrogation: Interrogation = {
    key: file.key,
    title: file.title,
    ...(file.description === undefined ? {} : { description: file.description }),
    ...(file.systemPrompt === undefined ? {} : { systemPrompt: file.systemPrompt }),
    promptTemplate,
    ...(file.outputSchema === undefined ? {} : { outputSchema: file.outputSchema }),
    ...(file.parser === undefined ? {} : { parser: file.parser }),
    inputSchema,
    defaults: interrogationDefaults(file.defaults),
    ...(file.rubric === undefined ? {} : { rubric: file.rubric }),
    source: absolutePath,
  };
  return { interrogation, problems };
}

/** A file's defaults in the neutral form: `numPredict` is `maxOutputTokens`, `numCtx` an Ollama option. */
function interrogationDefaults(defaults: InterrogationFile['defaults']): InterrogationDefaults {
  if (defaults === undefined) return {};
  const { options, ...rest } = defaults;
  if (options === undefined) return rest;
  const { numCtx, numPredict, maxOutputTokens, ...neutral } = options;
  const maximum = maxOutputTokens ?? numPredict;
  return {
    ...rest,
    options: { ...neutral, ...(maximum === undefined ? {} : { maxOutputTokens: maximum }) },
    ...(numCtx === undefined ? {} : { providerOptions: { ollama: { numCtx } } }),
  };
}

/** Loads and checks every `*.json` interrogation in `directory`; throws `InterrogationFolderError` listing all problems. */
export async function loadInterrogationsFolder(
  directory: string,
  options: LoadInterrogationsFolderOptions = {},
): Promise<Interrogation[]> {
  const names = await listJsonFiles(directory);
  const problems: InterrogationFolderProblem[] = [];
  const loaded: Interrogation[] = [];
  const keyOwners = new Map<string, string>();

  for (const name of names) {
    const displayPath = path.join(directory, name);
    const result = await loadInterrogationFile(path.resolve(directory, name));
    for (const message of result.problems) problems.push({ file: displayPath, message });
    const interrogation = result.interrogation;
    if (!interrogation) continue;
    const reservedBy = options.reservedKeys?.get(interrogation.key);
    const owner = keyOwners.get(interrogation.key);
    if (reservedBy !== undefined) {
      problems.push({ file: displayPath, message: `key "${interrogation.key}" is already defined (${reservedBy})` });
    } else if (owner !== undefined) {
      problems.push({ file: displayPath, message: `key "${interrogation.key}" is already defined in ${owner}` });
    } else {
      keyOwners.set(interrogation.key, displayPath);
      loaded.push(interrogation);
    }
  }

  if (problems.length > 0) {
    const lines = problems.map((problem) => `${problem.file}: ${problem.message}`);
    const heading = problems.length === 1 ? '' : `${problems.length} problems in interrogations folder ${directory}:\n`;
    throw new InterrogationFolderError(directory, `${heading}${lines.join('\n')}`, problems);
  }
  return loaded;
}
