/**
 * Micro-benchmark of the Ollama provider's HTTP transport: client CPU per request (process.cpuUsage)
 * and requests per second against the simulator in its own process (`--parallel 64`), 64 calls in
 * flight, streamed and not, for the default transport and for an injected `fetch`.
 *
 *   node --import tsx bench/provider-transport.ts [requests=20000] [rounds=3] [variant name filter]
 */
import { createOllamaProvider, type OllamaProviderSettings } from '../src/providers/index.ts';
import type { StructuredChatRequest } from '../src/providers/llm-provider.ts';
import { startSimulatorProcess } from './support/simulator-process.ts';

const concurrency = 64;
const model = 'llama3.2:latest';

const request: StructuredChatRequest = {
  model,
  messages: [
    { role: 'system', content: 'Extract the person.' },
    { role: 'user', content: 'Ollama is 22 years old.' },
  ],
  schema: {
    type: 'object',
    properties: { name: { type: 'string' }, age: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } },
    required: ['name', 'age'],
    additionalProperties: false,
  },
};

interface Variant {
  name: string;
  settings: Omit<OllamaProviderSettings, 'baseUrl'>;
}

const variants: Variant[] = [
  { name: 'default transport, streamed', settings: { stream: true } },
  { name: 'default transport, stream:false', settings: { stream: false } },
  { name: 'injected fetch, streamed', settings: { stream: true, fetch: globalThis.fetch } },
  { name: 'injected fetch, stream:false', settings: { stream: false, fetch: globalThis.fetch } },
];

async function drive(settings: OllamaProviderSettings, requests: number): Promise<{ cpuMicrosecondsPerRequest: number; requestsPerSecond: number }> {
  const provider = createOllamaProvider(settings);
  let remaining = requests;
  const worker = async (): Promise<void> => {
    while (remaining > 0) {
      remaining--;
      await provider.chat(request);
    }
  };
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { cpuMicrosecondsPerRequest: (cpu.user + cpu.system) / requests, requestsPerSecond: requests / seconds };
}

const requests = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 3);
const filter = process.argv[4] ?? '';
const selected = variants.filter((variant) => variant.name.includes(filter));
const simulator = await startSimulatorProcess(['--latency-ms', '0', '--parallel', '64', '--max-queue', '100000']);
try {
  const results = new Map<string, Array<{ cpuMicrosecondsPerRequest: number; requestsPerSecond: number }>>();
  for (const variant of selected) await drive({ baseUrl: simulator.url, ...variant.settings }, 2_000); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const variant of selected) {
      const result = await drive({ baseUrl: simulator.url, ...variant.settings }, requests);
      results.set(variant.name, [...(results.get(variant.name) ?? []), result]);
    }
  }
  console.log(`${requests} requests per round, ${rounds} rounds, ${concurrency} in flight, simulator --parallel 64 in its own process; median of rounds`);
  for (const [name, samples] of results) {
    const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const cpu = median(samples.map((sample) => sample.cpuMicrosecondsPerRequest));
    const rate = median(samples.map((sample) => sample.requestsPerSecond));
    console.log(`${name.padEnd(34)} ${cpu.toFixed(0).padStart(5)} µs CPU/request  ${rate.toFixed(0).padStart(6)} requests/s`);
  }
} finally {
  await simulator.stop();
}
