/** A message of the model's context. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

export interface GenerateRequest {
  messages: readonly ChatMessage[];
  maxTokens: number;
  temperature?: number;
  signal?: AbortSignal;
  /** Called with each new piece of text (a delta, never cumulative). */
  onDelta: (delta: string) => void;
}

export interface GenerateResult {
  text: string;
  promptTokens: number;
  completionTokens: number;
  stopReason: 'stop' | 'length' | 'abort';
}

/** The seam between the conversation logic and a model runtime (local GGUF or an HTTP API). */
export abstract class LlmProvider {
  abstract generate(request: GenerateRequest): Promise<GenerateResult>;
  abstract countTokens(text: string): number;
}
