/**
 * The legacy tree the backfill reads (the seed's layout, under a data root):
 *   3_generation/draft_responses_raw/<task>_vN.txt   raw answers, one file per version
 *   3_generation/draft_responses/<task>.txt          the parsed answer
 *   3_generation/links_responses/<task>.txt          older drafts: parsed only
 *   3_generation/essay_responses_raw/ · essay_responses/
 *   4_evaluation/evaluation_responses_raw/ · evaluation_responses/
 * Scanning groups the files by stage and task; anything that does not fit (no `_vN` on a raw file, not
 * `.txt`, a folder, unreadable) is returned as a problem to report, never thrown.
 */
import fs from 'node:fs';
import path from 'node:path';

export const legacyStages = ['draft', 'essay', 'evaluation'] as const;
export type LegacyStage = (typeof legacyStages)[number];

interface StageLocations {
  raw: string;
  parsed: string[];
}

export const legacyLocations: Record<LegacyStage, StageLocations> = {
  draft: { raw: '3_generation/draft_responses_raw', parsed: ['3_generation/draft_responses', '3_generation/links_responses'] },
  essay: { raw: '3_generation/essay_responses_raw', parsed: ['3_generation/essay_responses'] },
  evaluation: { raw: '4_evaluation/evaluation_responses_raw', parsed: ['4_evaluation/evaluation_responses'] },
};

export interface LegacyRawVersion {
  version: number;
  /** Relative to the data root, `/`-separated. */
  path: string;
}

export interface LegacyTask {
  stage: LegacyStage;
  taskId: string;
  /** Oldest version first. */
  raw: LegacyRawVersion[];
  /** The parsed file, when there is one (the first location that has it). */
  parsed: string | null;
}

export interface LegacyProblem {
  path: string;
  problem: string;
}

export interface LegacyScan {
  tasks: LegacyTask[];
  problems: LegacyProblem[];
  /** Files that were recognised (raw versions and parsed files). */
  files: number;
}

const rawName = /^(.+)_v(\d+)\.txt$/;
const parsedName = /^(.+)\.txt$/;

export function scanLegacyTree(dataRoot: string, stages: readonly LegacyStage[]): LegacyScan {
  const tasks: LegacyTask[] = [];
  const problems: LegacyProblem[] = [];
  let files = 0;
  for (const stage of stages) {
    const byTask = new Map<string, LegacyTask>();
    const taskOf = (taskId: string) => {
      let task = byTask.get(taskId);
      if (!task) byTask.set(taskId, (task = { stage, taskId, raw: [], parsed: null }));
      return task;
    };
    const locations = legacyLocations[stage];
    for (const entry of listFolder(dataRoot, locations.raw, problems)) {
      const match = rawName.exec(entry);
      const relative = `${locations.raw}/${entry}`;
      if (!match) {
        problems.push({ path: relative, problem: 'not named <task>_vN.txt; skipped' });
        continue;
      }
      const version = Number(match[2]);
      const task = taskOf(match[1]!);
      if (task.raw.some((raw) => raw.version === version)) {
        problems.push({ path: relative, problem: `a second file for version ${version} of ${match[1]}; skipped` });
        continue;
      }
      task.raw.push({ version, path: relative });
      files += 1;
    }
    for (const folder of locations.parsed) {
      for (const entry of listFolder(dataRoot, folder, problems)) {
        const match = parsedName.exec(entry);
        const relative = `${folder}/${entry}`;
        if (!match) {
          problems.push({ path: relative, problem: 'not named <task>.txt; skipped' });
          continue;
        }
        const task = taskOf(match[1]!);
        if (task.parsed) {
          problems.push({ path: relative, problem: `${task.taskId} already has a parsed file (${task.parsed}); skipped` });
          continue;
        }
        task.parsed = relative;
        files += 1;
      }
    }
    for (const task of [...byTask.values()].sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0))) {
      task.raw.sort((a, b) => a.version - b.version);
      tasks.push(task);
    }
  }
  return { tasks, problems, files };
}

/** The plain files of one legacy folder (sorted); folders, links and hidden files are problems. */
function listFolder(dataRoot: string, folder: string, problems: LegacyProblem[]): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(dataRoot, folder), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') problems.push({ path: folder, problem: `cannot read the folder: ${(error as Error).message}` });
    return [];
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) {
      problems.push({ path: `${folder}/${entry.name}`, problem: 'not a regular file; skipped' });
    } else if (entry.name.startsWith('.')) {
      problems.push({ path: `${folder}/${entry.name}`, problem: 'a hidden file; skipped' });
    } else names.push(entry.name);
  }
  return names.sort();
}

/** Which stages a stage's documents come from: an essay is written from a draft; an evaluation judges an essay (or a draft). */
export const legacyParentStages: Record<LegacyStage, readonly LegacyStage[]> = { draft: [], essay: ['draft'], evaluation: ['essay', 'draft'] };

/**
 * The legacy layout's references: a task id is its parent's task id with the child's own parts
 * appended (`<draft task>_<essay template>…`, `<essay task>__<evaluation template>__<model>`). The parent
 * is the task of a parent stage whose id is the longest prefix of this one that ends where a separator
 * (`_`, `-`, `.`) begins — so `combo1_tplA_llama_essayB` is written from draft `combo1_tplA_llama`.
 */
export function legacyParentTask(task: Pick<LegacyTask, 'stage' | 'taskId'>, tasksByStage: ReadonlyMap<LegacyStage, ReadonlyMap<string, LegacyTask>>): LegacyTask | null {
  const stages = legacyParentStages[task.stage];
  if (stages.length === 0) return null;
  const id = task.taskId;
  for (let cut = id.length - 1; cut > 0; cut -= 1) {
    if (!separators.has(id[cut]!) || separators.has(id[cut - 1]!)) continue;
    const prefix = id.slice(0, cut);
    for (const stage of stages) {
      const parent = tasksByStage.get(stage)?.get(prefix);
      if (parent) return parent;
    }
  }
  return null;
}

const separators = new Set(['_', '-', '.']);

/** The legacy file of a task's current document: its latest raw version, else its parsed file. */
export function latestLegacyPath(task: LegacyTask): string {
  return task.raw.length > 0 ? task.raw[task.raw.length - 1]!.path : task.parsed!;
}
