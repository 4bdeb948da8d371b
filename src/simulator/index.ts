/**
 * Public API of the Ollama server simulator (tests, benchmarks and the `holocron sim` command).
 */
export { startSimulator, type RunningSimulator } from './simulator-server.ts';
export {
  defaultModels,
  parseSimulatorOptions,
  simulatorOptionsSchema,
  faultRatesSchema,
  type FaultRates,
  type SimulatorOptions,
  type SimulatorStartOptions,
  simulatorProtocols,
  openAiFlavors,
  type SimulatorProtocol,
  type OpenAiFlavor,
} from './simulator-options.ts';
export type { SimulatorStats } from './simulator-stats.ts';
export { faultKinds, allFaultKinds, type FaultKind } from './fault-plan.ts';
export {
  compileSchema,
  generateFromSchema,
  SchemaCompileError,
  type CompiledSchema,
  type GenerationContext,
} from './generate-from-schema.ts';
export { SeededRandom } from './seeded-random.ts';
export { normalizeModelName, describeCatalogModel, type CatalogModel } from './model-catalog.ts';
export { busyMessage } from './chat-route.ts';
