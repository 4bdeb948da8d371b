/**
 * The providers module's public surface: the LlmProvider interface (v2) and its types, the LlmCallError
 * every provider throws, the backend kinds and the provider factory, and the Ollama provider factory.
 */
export * from './llm-provider.ts';
export * from './llm-call-error.ts';
export { BackendKindRegistry, createDefaultBackendKinds, type BackendKind, type BackendDefaults, type BackendCreateOptions } from './backend-kinds.ts';
export { createProviderSet, providerSetOf, modelNamesMatch, type EndpointInfo, type ProviderSet, type CreateProviderSetOptions } from './provider-factory.ts';
export {
  createOllamaProvider,
  defaultFirstByteTimeoutMs,
  defaultIdleTimeoutMs,
  normalizeModelName,
  type OllamaCallOptions,
  type OllamaProviderSettings,
} from './ollama/create-ollama-provider.ts';
export {
  createOpenAiCompatibleProvider,
  buildOpenAiChatRequestBody,
  openAiServerFlavors,
  type OpenAiCompatibleProviderSettings,
  type OpenAiCallOptions,
  type OpenAiServerFlavor,
} from './openai-compatible/create-openai-compatible-provider.ts';
