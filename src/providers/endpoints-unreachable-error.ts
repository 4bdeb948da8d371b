/** No LLM server answered the pre-flight probe: said plainly, before any job is claimed. */
export class EndpointsUnreachableError extends Error {
  override readonly name = 'EndpointsUnreachableError';
  constructor(readonly unreachable: readonly { endpointId: string; baseUrl: string; message: string }[]) {
    super(
      `cannot reach the LLM server${unreachable.length === 1 ? '' : 's'}: ${unreachable.map((endpoint) => endpoint.message.replace(/[.?]$/, '')).join('; ')}. ` +
        'No job was claimed. Check the URL (--ollama-url, OLLAMA_BASE_URL, or backends.endpoints) and that the server is running.',
    );
  }
}
