/**
 * The providers module's public surface: the LlmProviderV1 interface and its types, the LlmCallError
 * every provider throws, and the Ollama provider factory.
 */
export * from './llm-provider.ts';
export * from './llm-call-error.ts';
export {
  createOllamaProvider,
  defaultFirstByteTimeoutMs,
  defaultIdleTimeoutMs,
  normalizeModelName,
  type OllamaProviderSettings,
} from './ollama/create-ollama-provider.ts';
