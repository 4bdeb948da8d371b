/**
 * The simulated model library: what `/api/tags`, `/api/show` and `/api/ps` report for each installed model.
 * Known families get realistic metadata; any other name gets plausible values derived from it.
 * Digests are the SHA-256 of the full model name so they are stable across runs.
 */
import { createHash } from 'node:crypto';

export interface ModelDetails {
  parent_model: string;
  format: 'gguf';
  family: string;
  families: string[];
  parameter_size: string;
  quantization_level: string;
}

export interface CatalogModel {
  /** Full name with tag, e.g. `llama3.2:latest`. */
  name: string;
  sizeBytes: number;
  /** 64 lowercase hex characters, no `sha256:` prefix. */
  digest: string;
  details: ModelDetails;
  architecture: string;
  contextLength: number;
  parameterCount: number;
  template: string;
  /** `/api/show` `parameters`: `key value` lines. */
  parameters: string;
  modifiedAt: string;
}

interface FamilyProfile {
  family: string;
  architecture: string;
  contextLength: number;
  defaultParameterBillions: number;
  template: string;
  stopSequences: string[];
}

const llamaTemplate =
  '<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n';
const chatMlTemplate =
  '{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n';

const familyProfiles: Record<string, FamilyProfile> = {
  llama: {
    family: 'llama',
    architecture: 'llama',
    contextLength: 131072,
    defaultParameterBillions: 3.2,
    template: llamaTemplate,
    stopSequences: ['<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'],
  },
  qwen: {
    family: 'qwen2',
    architecture: 'qwen2',
    contextLength: 32768,
    defaultParameterBillions: 7.6,
    template: chatMlTemplate,
    stopSequences: ['<|im_start|>', '<|im_end|>'],
  },
  mistral: {
    family: 'llama',
    architecture: 'llama',
    contextLength: 32768,
    defaultParameterBillions: 7.2,
    template: '[INST] {{ .Prompt }} [/INST]',
    stopSequences: ['[INST]', '[/INST]'],
  },
  gemma: {
    family: 'gemma3',
    architecture: 'gemma3',
    contextLength: 131072,
    defaultParameterBillions: 4.3,
    template: '<start_of_turn>user\n{{ .Prompt }}<end_of_turn>\n<start_of_turn>model\n',
    stopSequences: ['<end_of_turn>'],
  },
  phi: {
    family: 'phi3',
    architecture: 'phi3',
    contextLength: 131072,
    defaultParameterBillions: 3.8,
    template: '<|user|>\n{{ .Prompt }}<|end|>\n<|assistant|>\n',
    stopSequences: ['<|end|>', '<|user|>', '<|assistant|>'],
  },
};

/** Parameter counts of well-known name:tag pairs (billions). */
const knownParameterBillions: Record<string, number> = {
  'llama3.2:latest': 3.2,
  'llama3.2:1b': 1.2,
  'llama3.2:3b': 3.2,
  'llama3.1:latest': 8.0,
  'llama3.1:8b': 8.0,
  'qwen2.5:latest': 7.6,
  'qwen2.5:7b': 7.6,
  'qwen2.5:0.5b': 0.494,
  'qwen2.5:14b': 14.8,
};

const fixedModifiedAt = '2025-05-04T17:37:44.706015396-07:00';
const bytesPerParameterAtQ4 = 0.6;

/** Bare names mean `:latest`; a tag is whatever follows the last `:` after the last `/`. */
export function normalizeModelName(name: string): string {
  const trimmed = name.trim();
  const lastSlash = trimmed.lastIndexOf('/');
  return trimmed.indexOf(':', lastSlash + 1) === -1 ? `${trimmed}:latest` : trimmed;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function baseNameOf(fullName: string): string {
  const withoutNamespace = fullName.slice(fullName.lastIndexOf('/') + 1);
  return withoutNamespace.slice(0, withoutNamespace.lastIndexOf(':'));
}

function tagOf(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf(':') + 1);
}

function profileFor(baseName: string): FamilyProfile {
  const lowered = baseName.toLowerCase();
  for (const [prefix, profile] of Object.entries(familyProfiles)) {
    if (lowered.startsWith(prefix)) return profile;
  }
  const family = lowered.match(/^[a-z]+/)?.[0] ?? 'llama';
  return { ...familyProfiles.llama!, family, architecture: family };
}

function parameterBillionsFor(fullName: string, profile: FamilyProfile): number {
  const known = knownParameterBillions[fullName];
  if (known !== undefined) return known;
  const fromTag = tagOf(fullName).match(/^(\d+(?:\.\d+)?)b\b/i);
  return fromTag ? Number(fromTag[1]) : profile.defaultParameterBillions;
}

function formatParameterSize(billions: number): string {
  return billions < 1 ? `${Math.round(billions * 1000)}M` : `${billions.toFixed(1)}B`;
}

function formatParameters(profile: FamilyProfile): string {
  return profile.stopSequences.map((stop) => `${'stop'.padEnd(30)} ${JSON.stringify(stop)}`).join('\n');
}

/** Metadata for one installed model. */
export function describeCatalogModel(name: string): CatalogModel {
  const fullName = normalizeModelName(name);
  const profile = profileFor(baseNameOf(fullName));
  const parameterBillions = parameterBillionsFor(fullName, profile);
  const digest = sha256Hex(fullName);
  // A stable pseudo-random spread so sizes do not look computed.
  const sizeJitter = parseInt(digest.slice(0, 6), 16) % 10_000_000;
  return {
    name: fullName,
    sizeBytes: Math.round(parameterBillions * 1e9 * bytesPerParameterAtQ4) + sizeJitter,
    digest,
    details: {
      parent_model: '',
      format: 'gguf',
      family: profile.family,
      families: [profile.family],
      parameter_size: formatParameterSize(parameterBillions),
      quantization_level: 'Q4_K_M',
    },
    architecture: profile.architecture,
    contextLength: profile.contextLength,
    parameterCount: Math.round(parameterBillions * 1e9),
    template: profile.template,
    parameters: formatParameters(profile),
    modifiedAt: fixedModifiedAt,
  };
}

/** The set of models a simulator instance serves. */
export class ModelCatalog {
  private readonly modelsByName: Map<string, CatalogModel>;

  constructor(modelNames: readonly string[]) {
    this.modelsByName = new Map();
    for (const name of modelNames) {
      const model = describeCatalogModel(name);
      this.modelsByName.set(model.name, model);
    }
  }

  /** Looks a request's model name up (bare names mean `:latest`). */
  find(requestedName: string): CatalogModel | undefined {
    return this.modelsByName.get(normalizeModelName(requestedName));
  }

  list(): CatalogModel[] {
    return [...this.modelsByName.values()];
  }
}

/** The `/api/show` `modelfile` text. */
export function formatModelfile(model: CatalogModel): string {
  const parameterLines = model.parameters
    .split('\n')
    .map((line) => `PARAMETER ${line.replace(/\s+/, ' ')}`)
    .join('\n');
  return [
    '# Modelfile generated by "ollama show"',
    '# To build a new Modelfile based on this, replace FROM with:',
    `# FROM ${model.name}`,
    '',
    `FROM /root/.ollama/models/blobs/sha256-${model.digest}`,
    `TEMPLATE """${model.template}"""`,
    parameterLines,
    '',
  ].join('\n');
}
