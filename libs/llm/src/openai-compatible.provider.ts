import { type ModelProfileEntity } from '#soma/persistence';
import { readSecret } from '#soma/platform';
import {
  isModelKeyEnv,
  LlmError,
  LlmProvider,
  MODEL_KEY_ENV_PREFIX,
  type GenerateRequest,
  type GenerateResult,
} from './llm.provider.js';

interface StreamChunk {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

/**
 * An OpenAI-compatible chat completions API with streaming (vLLM, Ollama, llama.cpp server, hosted APIs).
 * The API key comes from the environment variable the profile names, never from the database.
 */
export class OpenAiCompatibleProvider extends LlmProvider {
  constructor(
    private readonly profile: Pick<ModelProfileEntity, 'baseUrl' | 'model' | 'apiKeyEnv' | 'name'>,
  ) {
    super();
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    let text = '';
    let chunks = 0;
    let usage: StreamChunk['usage'];
    let finish: string | null | undefined;
    try {
      await this.stream(request, (chunk) => {
        const choice = chunk.choices?.[0];
        const delta = choice?.delta?.content;
        if (delta) {
          text += delta;
          chunks++;
          request.onDelta(delta);
        }
        finish = choice?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      });
    } catch (error) {
      // Stopped on purpose (a cancel, a lost lease): what came so far is the answer, as with the local model.
      if (!request.signal?.aborted) throw error;
    }
    return {
      text,
      promptTokens: usage?.prompt_tokens ?? 0,
      // Servers that omit usage in streams get one token per content chunk, which is what they send.
      completionTokens: usage?.completion_tokens ?? chunks,
      stopReason: request.signal?.aborted ? 'abort' : finish === 'length' ? 'length' : 'stop',
    };
  }

  private async stream(request: GenerateRequest, onChunk: (chunk: StreamChunk) => void): Promise<void> {
    const response = await this.post(request);
    for await (const data of sseData(response)) {
      if (data === '[DONE]') break;
      let chunk: StreamChunk;
      try {
        chunk = JSON.parse(data) as StreamChunk;
      } catch {
        throw new LlmError('PROVIDER_PROTOCOL', `unparseable stream chunk from ${this.profile.name}`);
      }
      onChunk(chunk);
    }
  }

  private async post(request: GenerateRequest): Promise<Response> {
    const baseUrl = (this.profile.baseUrl ?? '').replace(/\/+$/, '');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
    };
    if (this.profile.apiKeyEnv) {
      // Refused at use too: a profile stored before the rule, or written around the API, sends nothing.
      if (!isModelKeyEnv(this.profile.apiKeyEnv))
        throw new LlmError(
          'API_KEY_NOT_ALLOWED',
          `apiKeyEnv ${this.profile.apiKeyEnv} does not start with ${MODEL_KEY_ENV_PREFIX}: no key is sent`,
        );
      const key = readSecret(this.profile.apiKeyEnv);
      if (!key)
        throw new LlmError('API_KEY_UNSET', `environment variable ${this.profile.apiKeyEnv} is not set`);
      headers.authorization = `Bearer ${key}`;
    }
    let response: Response;
    try {
      response = await fetch(`${baseUrl}/chat/completions`, {
        method: 'POST',
        headers,
        signal: request.signal,
        body: JSON.stringify({
          model: this.profile.model,
          // A resumed answer is sent as the last assistant message: servers that prefill (llama.cpp, vLLM)
          // continue it.
          messages: [
            ...request.messages.map((m) => ({
              role: m.role === 'tool' ? 'user' : m.role,
              content: m.content,
            })),
            ...(request.continueFrom ? [{ role: 'assistant', content: request.continueFrom }] : []),
          ],
          max_tokens: request.maxTokens,
          temperature: request.temperature,
          top_p: request.topP,
          stream: true,
          stream_options: { include_usage: true },
        }),
      });
    } catch (error) {
      throw new LlmError('PROVIDER_UNREACHABLE', `${baseUrl}: ${(error as Error).message}`);
    }
    if (!response.ok || !response.body) {
      const detail = (await response.text().catch(() => '')).slice(0, 300);
      throw new LlmError('PROVIDER_REJECTED', `${baseUrl} answered ${response.status}: ${detail}`);
    }
    return response;
  }
}

/** The `data:` payloads of a text/event-stream body. */
async function* sseData(response: Response): AsyncGenerator<string> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line.startsWith('data:')) yield line.slice(5).trim();
      newline = buffer.indexOf('\n');
    }
  }
}
