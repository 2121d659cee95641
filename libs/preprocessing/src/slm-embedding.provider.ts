import { basename } from 'node:path';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { SomaConfig } from '#soma/platform';
import { getLlama, type Llama, type LlamaEmbeddingContext, type LlamaModel } from 'node-llama-cpp';
import { PreprocessingError } from './preprocessing.errors.js';

/**
 * Sentence embeddings through a warm llama.cpp embedding context, from the embedding GGUF that scripts/infra
 * derives from the chat model: its first layers, mean-pooled, without the LM head (in embedding mode llama.cpp
 * would otherwise compute full-vocabulary logits for every token). One evaluation runs at a time; callers
 * queue (MessageClassifier does).
 */
@Injectable()
export class SlmEmbeddingProvider implements OnApplicationShutdown {
  private llama: Llama | undefined;
  private model: LlamaModel | undefined;
  private context: LlamaEmbeddingContext | undefined;
  /** Evaluations still running natively (a caller may have stopped waiting on its budget). */
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing = false;

  constructor(private readonly config: SomaConfig) {}

  /** File name of the model, recorded with trained weights so they are never used with another model. */
  get modelName(): string {
    return basename(this.config.slmModelPath);
  }

  get loaded(): boolean {
    return this.context !== undefined;
  }

  async load(): Promise<void> {
    if (this.context) return;
    const threads = this.config.slmThreads;
    this.llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads });
    this.model = await this.llama.loadModel({ modelPath: this.config.slmModelPath });
    const size = this.config.slmMaxInputTokens + 8;
    this.context = await this.model.createEmbeddingContext({ contextSize: size, batchSize: size, threads });
    // Warm the context so the first real message does not pay for buffer allocation.
    await this.embed('warm up');
  }

  /** The embedding of the first `slmMaxInputTokens` tokens of the text. */
  async embed(text: string): Promise<readonly number[]> {
    if (!this.model || !this.context || this.closing)
      throw new PreprocessingError('MODEL_NOT_LOADED', 'embedding model not loaded');
    let tokens = this.model.tokenize(text).slice(0, this.config.slmMaxInputTokens);
    if (tokens.length === 0) tokens = this.model.tokenize(' ');
    const evaluation = this.context.getEmbeddingFor(tokens);
    this.inFlight.add(evaluation);
    try {
      return (await evaluation).vector;
    } finally {
      this.inFlight.delete(evaluation);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // Disposing the context under a running evaluation crashes llama.cpp: refuse new ones, let running ones end.
    this.closing = true;
    await Promise.allSettled([...this.inFlight]);
    await this.context?.dispose();
    await this.model?.dispose();
    await this.llama?.dispose();
    this.context = undefined;
    this.model = undefined;
    this.llama = undefined;
    this.closing = false;
  }
}
