import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HealthRegistry, SomaConfig } from '#soma/platform';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Histogram } from 'prom-client';
import {
  type Intent,
  type MessageClassification,
  type MessageClassified,
  type SentimentLabel,
  type Tag,
  type UnclassifiedReason,
} from './classification.contract.js';
import { loadClassifierWeights, type ClassifierWeights } from './classifier-weights.contract.js';
import { featurize, predictOneVsRest, predictSoftmax } from './linear.classifier.js';
import { PreprocessingError } from './preprocessing.errors.js';
import { SlmEmbeddingProvider } from './slm-embedding.provider.js';

export const SLM_DURATION_METRIC = 'slm_intent_duration_seconds';
export const SLM_DURATION_BUCKETS = [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1];

type Labels = Omit<MessageClassified, 'status' | 'durationMs' | 'model'>;

/** Reads the labels off the trained heads: argmax intent and sentiment, tags above the threshold. */
export function interpret(weights: ClassifierWeights, text: string, embedding: ArrayLike<number>): Labels {
  const features = featurize(text, embedding, weights.features);
  const intents = predictSoftmax(weights.intent, features);
  const sentiments = predictSoftmax(weights.sentiment, features);
  const tagProbabilities = predictOneVsRest(weights.tags, features);
  const best = (probabilities: number[]): number => probabilities.indexOf(Math.max(...probabilities));
  const sentimentIndex = (label: SentimentLabel): number => weights.sentiment.labels.indexOf(label);
  const polarity =
    (sentiments[sentimentIndex('positive')] ?? 0) - (sentiments[sentimentIndex('negative')] ?? 0);
  return {
    intent: weights.intent.labels[best(intents)] as Intent,
    sentiment: {
      label: weights.sentiment.labels[best(sentiments)] as SentimentLabel,
      score: Math.round(polarity * 1000) / 1000,
    },
    tags: weights.tags.labels.filter((_, i) => (tagProbabilities[i] ?? 0) >= weights.tags.threshold) as Tag[],
    confidence: Math.round(Math.max(...intents) * 1000) / 1000,
  };
}

interface Job {
  text: string;
  started: boolean;
  settle: (result: Labels | Error) => void;
}

/**
 * Classifies a user message within a time budget (queue wait included). Work runs one message at a time on
 * the warm embedding context; at most `slmMaxPending` messages wait or run, newer ones are OVERLOADED at once,
 * and a message whose budget runs out is TIMEOUT (and dropped from the queue if it had not started). It never
 * throws: a failure is an unclassified result with a reason.
 */
@Injectable()
export class MessageClassifier implements OnModuleInit {
  private readonly logger = new Logger(MessageClassifier.name);
  private weights: ClassifierWeights | undefined;
  private readonly queue: Job[] = [];
  private pending = 0;
  private running = false;

  constructor(
    private readonly config: SomaConfig,
    private readonly embedder: SlmEmbeddingProvider,
    @InjectMetric(SLM_DURATION_METRIC) private readonly duration: Histogram,
    health: HealthRegistry,
  ) {
    health.register('slm', () =>
      this.ready ? Promise.resolve() : Promise.reject(new Error('slm not loaded')),
    );
  }

  get ready(): boolean {
    return this.weights !== undefined && this.embedder.loaded;
  }

  /** Loads and checks the weights, then the model; mismatched weights stop boot. */
  async onModuleInit(): Promise<void> {
    const started = performance.now();
    const weights = loadClassifierWeights(this.config.slmWeightsPath);
    if (weights.model !== this.embedder.modelName)
      throw new PreprocessingError(
        'WEIGHTS_MODEL_MISMATCH',
        `classifier weights were trained on ${weights.model}, the model is ${this.embedder.modelName}`,
      );
    await this.embedder.load();
    this.weights = weights;
    this.logger.log({
      msg: 'slm classifier ready',
      model: this.modelId,
      ms: Math.round(performance.now() - started),
    });
  }

  get modelId(): string {
    return `${this.weights?.model ?? 'none'}+linear/${this.weights?.fingerprint ?? 'none'}`;
  }

  async classify(text: string): Promise<MessageClassification> {
    const started = performance.now();
    if (!this.ready) return this.unclassified('ERROR', started);
    if (this.pending >= this.config.slmMaxPending) return this.unclassified('OVERLOADED', started);
    const outcome = await this.runWithin(text, this.config.slmBudgetMs);
    if (outcome === 'TIMEOUT') return this.unclassified('TIMEOUT', started);
    if (outcome instanceof Error) {
      this.logger.warn({ msg: 'slm classification failed', error: outcome.message });
      return this.unclassified('ERROR', started);
    }
    const durationMs = this.observe(started, 'classified');
    return { status: 'classified', ...outcome, durationMs, model: this.modelId };
  }

  private runWithin(text: string, budgetMs: number): Promise<Labels | Error | 'TIMEOUT'> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const index = this.queue.indexOf(job);
        if (index >= 0) {
          this.queue.splice(index, 1);
          this.pending--;
        }
        resolve('TIMEOUT');
      }, budgetMs);
      const job: Job = {
        text,
        started: false,
        settle: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
      };
      this.pending++;
      this.queue.push(job);
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    const job = this.queue.shift();
    const weights = this.weights;
    if (!job || !weights) return;
    this.running = true;
    job.started = true;
    try {
      job.settle(interpret(weights, job.text, await this.embedder.embed(job.text)));
    } catch (error) {
      job.settle(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.running = false;
      this.pending--;
    }
    void this.drain();
  }

  private observe(started: number, outcome: 'classified' | Lowercase<UnclassifiedReason>): number {
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    this.duration.observe({ outcome }, durationMs / 1000);
    return durationMs;
  }

  private unclassified(reason: UnclassifiedReason, started: number): MessageClassification {
    const durationMs = this.observe(started, reason.toLowerCase() as Lowercase<UnclassifiedReason>);
    return { status: 'unclassified', reason, durationMs };
  }
}
