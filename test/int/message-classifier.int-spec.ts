import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthRegistry, loadConfig, SomaConfig, type SomaConfigValues } from '#soma/platform';
import {
  INTENTS,
  loadClassifierWeights,
  MessageClassifier,
  PreprocessingError,
  SENTIMENTS,
  SLM_DURATION_BUCKETS,
  SLM_DURATION_METRIC,
  SlmEmbeddingProvider,
  TAGS,
} from '#soma/preprocessing';
import { Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The classifier on the real local model, as the worker will wire it (without Nest: same constructor). */
function build(overrides: Partial<SomaConfigValues> = {}): {
  classifier: MessageClassifier;
  registry: Registry;
  embedder: SlmEmbeddingProvider;
} {
  const config = new SomaConfig({ ...loadConfig(), ...overrides });
  const registry = new Registry();
  const histogram = new Histogram({
    name: SLM_DURATION_METRIC,
    help: 'test',
    labelNames: ['outcome'],
    buckets: SLM_DURATION_BUCKETS,
    registers: [registry],
  });
  const embedder = new SlmEmbeddingProvider(config);
  return {
    classifier: new MessageClassifier(config, embedder, histogram, new HealthRegistry()),
    registry,
    embedder,
  };
}

async function countOf(registry: Registry, outcome: string): Promise<number> {
  const text = await registry.getSingleMetricAsString(SLM_DURATION_METRIC);
  const match = new RegExp(`^${SLM_DURATION_METRIC}_count\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text);
  return Number(match?.[1] ?? 0);
}

describe('MessageClassifier on the local model', () => {
  const normal = build({ slmBudgetMs: 60_000 });

  beforeAll(async () => {
    await normal.classifier.onModuleInit();
  });
  afterAll(async () => {
    await normal.embedder.onApplicationShutdown();
  });

  it('classifies a message into the closed label sets and records the duration metric', async () => {
    const result = await normal.classifier.classify(
      'please write a python function that parses this csv file',
    );
    expect(result.status).toBe('classified');
    if (result.status !== 'classified') return;
    expect(INTENTS).toContain(result.intent);
    expect(SENTIMENTS).toContain(result.sentiment.label);
    expect(result.sentiment.score).toBeGreaterThanOrEqual(-1);
    expect(result.sentiment.score).toBeLessThanOrEqual(1);
    for (const tag of result.tags) expect(TAGS).toContain(tag);
    expect(result.confidence).toBeGreaterThan(0);
    expect(result.confidence).toBeLessThanOrEqual(1);
    expect(result.durationMs).toBeGreaterThan(0);
    expect(result.model).toMatch(/\.gguf\+linear\/[0-9a-f]{12}$/);
    expect(await countOf(normal.registry, 'classified')).toBe(1);
  });

  it('tells intents apart on clear messages (behaviour, not wording)', async () => {
    const code = await normal.classifier.classify(
      'write a javascript function that debounces another function',
    );
    const thanks = await normal.classifier.classify('thanks a lot, have a great evening!');
    expect(code.status === 'classified' && code.intent).toBe('code_request');
    expect(thanks.status === 'classified' && thanks.sentiment.label).toBe('positive');
  });

  it('marks messages beyond the pending bound OVERLOADED at once, and the first still classifies', async () => {
    const bounded = build({ slmBudgetMs: 60_000, slmMaxPending: 1 });
    await bounded.classifier.onModuleInit();
    try {
      const results = await Promise.all([
        bounded.classifier.classify('deploy the staging branch'),
        bounded.classifier.classify('what is a vector database?'),
        bounded.classifier.classify('hello!'),
      ]);
      expect(results.map((r) => (r.status === 'classified' ? r.status : r.reason))).toEqual([
        'classified',
        'OVERLOADED',
        'OVERLOADED',
      ]);
      expect(await countOf(bounded.registry, 'overloaded')).toBe(2);
    } finally {
      await bounded.embedder.onApplicationShutdown();
    }
  });

  it('marks a message TIMEOUT when its budget runs out, drops the queued ones, and keeps working', async () => {
    const tight = build({ slmBudgetMs: 1, slmMaxPending: 8 });
    await tight.classifier.onModuleInit();
    try {
      const results = await Promise.all(
        ['summarise this page', 'run ls in the sandbox', 'why is my bill so high?'].map((t) =>
          tight.classifier.classify(t),
        ),
      );
      for (const result of results)
        expect(result).toMatchObject({ status: 'unclassified', reason: 'TIMEOUT' });
      expect(await countOf(tight.registry, 'timeout')).toBe(3);
    } finally {
      await tight.embedder.onApplicationShutdown();
    }
    // The shared classifier is unaffected: a later message is classified.
    expect((await normal.classifier.classify('ok, next question')).status).toBe('classified');
  });

  it('is unclassified with ERROR before the model is loaded, never throws', async () => {
    const cold = build();
    expect(await cold.classifier.classify('hi')).toMatchObject({ status: 'unclassified', reason: 'ERROR' });
  });

  it('refuses weights that are malformed or were trained on another model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soma-slm-'));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"version":1');
    await expect(build({ slmWeightsPath: broken }).classifier.onModuleInit()).rejects.toMatchObject({
      code: 'WEIGHTS_INVALID',
    });
    const other = join(dir, 'other-model.json');
    writeFileSync(
      other,
      JSON.stringify({ ...loadClassifierWeights(loadConfig().slmWeightsPath), model: 'other.gguf' }),
    );
    const error: unknown = await build({ slmWeightsPath: other })
      .classifier.onModuleInit()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PreprocessingError);
    expect((error as PreprocessingError).code).toBe('WEIGHTS_MODEL_MISMATCH');
  });
});
