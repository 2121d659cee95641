/** A message of the model's context. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

export interface GenerateRequest {
  messages: readonly ChatMessage[];
  maxTokens: number;
  temperature: number;
  topP: number;
  signal?: AbortSignal;
  /**
   * The start of the answer, already streamed by an earlier run of the turn: the model continues it, and
   * `onDelta` and `text` carry only what follows.
   */
  continueFrom?: string;
  /** Called with each new piece of text (a delta, never cumulative). */
  onDelta: (delta: string) => void;
  /** Whose generation this is: a local model shares its sequences fairly between tenants by it. */
  tenantId?: string;
}

export interface GenerateResult {
  text: string;
  /** Tokens of the context as the provider counted them. */
  promptTokens: number;
  completionTokens: number;
  stopReason: 'stop' | 'length' | 'abort';
}

/** The seam between the conversation logic and a model runtime (local GGUF or an HTTP API). */
export abstract class LlmProvider {
  abstract generate(request: GenerateRequest): Promise<GenerateResult>;
}

/** Counts the tokens a context costs, with the local model's own tokenizer and chat template. */
export abstract class ContextTokenizer {
  abstract countContextTokens(messages: readonly ChatMessage[]): number;
}

export type LlmErrorCode =
  | 'PROVIDER_UNREACHABLE'
  | 'PROVIDER_REJECTED'
  | 'PROVIDER_PROTOCOL'
  | 'API_KEY_UNSET'
  | 'API_KEY_NOT_ALLOWED';

/**
 * A model profile's `apiKeyEnv` may only name a variable with this prefix: a profile (its `baseUrl` is anyone's
 * choice) must not be able to send the platform's own secrets (SOMA_PG_URL, SOMA_ADMIN_API_KEY) as a bearer token.
 */
export const MODEL_KEY_ENV_PREFIX = 'SOMA_LLM_KEY_';
export const MODEL_KEY_ENV_PATTERN = /^SOMA_LLM_KEY_[A-Z0-9_]{1,100}$/;

export const isModelKeyEnv = (name: string): boolean => MODEL_KEY_ENV_PATTERN.test(name);

/** A provider failure with a code the worker turns into a turn.failed reason. */
export class LlmError extends Error {
  constructor(
    readonly code: LlmErrorCode,
    message: string,
  ) {
    super(message);
  }
}
