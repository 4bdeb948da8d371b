/**
 * The demo's second part: the built-in Star Wars pipeline (facts → essay → evaluation) over a few
 * entities, drained, then its progress per stage and one entity's lineage as a tree.
 */
import type { Holocron } from '../holocron.ts';
import { documentLineage, type LineageNode } from '../documents/document-lineage.ts';
import { listDocuments } from '../documents/list-documents.ts';
import { parsePipeline } from './pipeline-definition.ts';
import { pipelineStatus } from './pipeline-status.ts';
import { starWarsPipelineFile } from './star-wars-pipeline.ts';
import { startPipelineRun } from './start-pipeline-run.ts';

export interface PipelineDemoOptions {
  items: readonly object[];
  runLabel: string;
  drain: () => Promise<void>;
  write: (text: string) => void;
}

export async function runPipelineDemo(holocron: Holocron, options: PipelineDemoOptions): Promise<void> {
  const { write } = options;
  const definition = parsePipeline(starWarsPipelineFile, { hasInterrogation: (key) => holocron.registry.has(key) }, 'the star-wars example');
  const settings = { registry: holocron.registry, evidenceRoot: holocron.config.evidence.root, defaults: holocron.config.queue };
  const items = options.items.map((item, index) => ({ where: `entity ${index + 1}`, item: { ...item } as Record<string, unknown> }));
  const started = await startPipelineRun(holocron.database, definition, items, options.runLabel, settings);
  write(
    `\nThe example pipeline ${definition.name}: ${definition.stages.map((stage) => stage.name).join(' → ')} ` +
      `(${started.enqueued} entities; each success enqueues its next stage in the transaction that records it).\n`,
  );
  await options.drain();
  const [status] = await pipelineStatus(holocron.database, { runLabel: options.runLabel });
  for (const stage of status?.stages ?? []) {
    write(`  ${stage.stage.padEnd(11)} ${stage.jobs.SUCCEEDED}/${stage.tasks} succeeded, ${stage.documents} documents (every attempt that answered)\n`);
  }
  const [evaluation] = await listDocuments(holocron.database, { runLabel: options.runLabel, stage: 'evaluation', status: 'ok', limit: 1 });
  if (!evaluation) return;
  const lineage = await documentLineage(holocron.database, evaluation.doc_id);
  if (!lineage) return;
  const root = lineage.ancestors[0] ?? lineage.document;
  const tree = await documentLineage(holocron.database, root.doc_id);
  const item = (root.task_id ?? '').split(':')[0];
  write(`\nLineage of ${item} (holocron docs lineage ${root.doc_id}):\n`);
  const walk = (node: LineageNode, depth: number) => {
    const document = node.document;
    write(`  ${'   '.repeat(depth)}${depth > 0 ? '└─ ' : ''}${document.doc_id}  ${document.stage.padEnd(10)} ${document.status.padEnd(11)} ${document.doc_dir}\n`);
    for (const child of node.children) walk(child, depth + 1);
  };
  if (tree) walk(tree.descendants, 0);
  write(`  (each folder holds raw.txt, metadata.json, prompt.txt, request.json, response.json … — holocron docs show <doc_id>)\n`);
  write(`  holocron pipeline status --run-label ${options.runLabel}; holocron docs list --run-label ${options.runLabel}\n`);
}
