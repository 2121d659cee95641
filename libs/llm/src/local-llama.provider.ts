import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { basename } from 'node:path';
import { FairScheduler, HealthRegistry, inSpan, SomaConfig, SpanKind, tenantShare } from '#soma/platform';
import {
  getLlama,
  LlamaChat,
  resolveChatWrapper,
  type ChatWrapper,
  type ChatHistoryItem,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
} from 'node-llama-cpp';
import { LlmProvider, type ChatMessage, type GenerateRequest, type GenerateResult } from './llm.provider.js';

/** The chat history ending in the model's answer so far (empty, or a prefix to continue). */
function toHistory(messages: readonly ChatMessage[], answerSoFar = ''): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message): ChatHistoryItem => {
    switch (message.role) {
      case 'system':
        return { type: 'system', text: message.content };
      case 'user':
        return { type: 'user', text: message.content };
      case 'assistant':
        return { type: 'model', response: [message.content] };
      case 'tool':
        return { type: 'user', text: `Tool result:\n${message.content}` };
    }
  });
  // node-llama-cpp continues the last model response of the history.
  history.push({ type: 'model', response: answerSoFar === '' ? [] : [answerSoFar] });
  return history;
}

/**
 * Runs a GGUF model in-process with node-llama-cpp. A small pool of context sequences lets a few turns
 * generate at once; a turn waits for a free sequence.
 */
@Injectable()
export class LocalLlamaProvider extends LlmProvider implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(LocalLlamaProvider.name);
  private llama: Llama | undefined;
  private model: LlamaModel | undefined;
  private context: LlamaContext | undefined;
  private chatWrapper: ChatWrapper | undefined;
  private readonly free: LlamaContextSequence[] = [];
  /** Who gets the next free sequence: fair between tenants, at most SOMA_LLM_TENANT_SEQUENCES each. */
  private readonly slots: FairScheduler;

  constructor(
    private readonly config: SomaConfig,
    health: HealthRegistry,
  ) {
    super();
    this.slots = new FairScheduler({
      slots: config.llmSequences,
      perTenant: tenantShare(config.llmSequences, config.llmTenantSequences),
    });
    health.register('model', () =>
      this.context ? Promise.resolve() : Promise.reject(new Error('model not loaded')),
    );
  }

  async onModuleInit(): Promise<void> {
    const started = performance.now();
    this.llama = await getLlama({ gpu: false, build: 'never', maxThreads: this.config.llmThreads });
    this.model = await this.llama.loadModel({ modelPath: this.config.modelPath });
    this.context = await this.model.createContext({
      contextSize: this.config.llmContextSize,
      threads: this.config.llmThreads,
      sequences: this.config.llmSequences,
    });
    for (let i = 0; i < this.config.llmSequences; i++) this.free.push(this.context.getSequence());
    this.logger.log({
      msg: 'model loaded',
      modelPath: this.config.modelPath,
      ms: Math.round(performance.now() - started),
    });
  }

  /** Tokens of the whole rendered prompt (chat template included), as this model counts them. */
  countContextTokens(messages: readonly ChatMessage[]): number {
    if (!this.model) throw new Error('model not loaded');
    this.chatWrapper ??= resolveChatWrapper(this.model);
    return this.chatWrapper
      .generateContextState({ chatHistory: toHistory(messages) })
      .contextText.tokenize(this.model.tokenizer).length;
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const { sequence, release } = await this.acquire(request.tenantId, request.signal);
    const chat = new LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
    try {
      const history = toHistory(request.messages, request.continueFrom);
      const promptTokens = chat.chatWrapper
        .generateContextState({ chatHistory: history })
        .contextText.tokenize(chat.model.tokenizer).length;
      let completionTokens = 0;
      const result = await chat.generateResponse(history, {
        maxTokens: request.maxTokens,
        temperature: request.temperature ?? 0.7,
        topP: 0.9,
        repeatPenalty: { penalty: 1.15, lastTokens: 64 },
        signal: request.signal,
        stopOnAbortSignal: true,
        onTextChunk: request.onDelta,
        onToken: (tokens) => {
          completionTokens += tokens.length;
        },
      });
      const stop = result.metadata.stopReason;
      return {
        text: result.response,
        promptTokens,
        completionTokens,
        stopReason: stop === 'maxTokens' ? 'length' : stop === 'abort' ? 'abort' : 'stop',
      };
    } finally {
      chat.dispose({ disposeSequence: false });
      release();
    }
  }

  /**
   * A JSON value the model writes under a grammar compiled from `schema`: always parseable and shaped as asked
   * (how a small local model chooses a tool and fills in its arguments).
   */
  generateStructured(
    messages: readonly ChatMessage[],
    schema: object,
    maxTokens: number,
    tenantId?: string,
  ): Promise<unknown> {
    // A model call like a turn's (GenAI conventions), its output JSON under a grammar.
    const model = basename(this.config.modelPath, '.gguf');
    return inSpan(
      `chat ${model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'llama_cpp',
          'gen_ai.request.model': model,
          'gen_ai.request.max_tokens': maxTokens,
          'gen_ai.request.temperature': 0.2,
          'gen_ai.output.type': 'json',
        },
      },
      () => this.structured(messages, schema, maxTokens, tenantId),
    );
  }

  private async structured(
    messages: readonly ChatMessage[],
    schema: object,
    maxTokens: number,
    tenantId?: string,
  ): Promise<unknown> {
    if (!this.llama) throw new Error('model not loaded');
    const grammar = await this.llama.createGrammarForJsonSchema(
      schema as Parameters<Llama['createGrammarForJsonSchema']>[0],
    );
    const { sequence, release } = await this.acquire(tenantId);
    const chat = new LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
    try {
      const result = await chat.generateResponse(toHistory(messages), {
        grammar,
        maxTokens,
        temperature: 0.2,
      });
      return JSON.parse(result.response) as unknown;
    } finally {
      chat.dispose({ disposeSequence: false });
      release();
    }
  }

  /** A free sequence, once the fair scheduler gives this tenant a slot (one slot per sequence). */
  private async acquire(
    tenantId = 'anonymous',
    signal?: AbortSignal,
  ): Promise<{ sequence: LlamaContextSequence; release: () => void }> {
    const releaseSlot = await this.slots.acquire(tenantId, signal);
    const sequence = this.free.pop();
    if (!sequence) {
      releaseSlot();
      throw new Error('no free context sequence although a slot was granted');
    }
    let released = false;
    return {
      sequence,
      release: () => {
        if (released) return;
        released = true;
        this.free.push(sequence);
        releaseSlot();
      },
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.context?.dispose();
    await this.model?.dispose();
    await this.llama?.dispose();
  }
}
