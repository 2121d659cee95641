/**
 * `npm run train:slm`: embeds every message of the labeled set with the local GGUF, trains the linear heads on
 * the train split and writes them to data/slm/classifier-weights.json (committed; loaded at runtime).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadConfig, SomaConfig } from '#soma/platform';
import {
  embeddingStatistics,
  featurize,
  INTENTS,
  parseClassifierWeights,
  SENTIMENTS,
  SlmEmbeddingProvider,
  TAGS,
  trainOneVsRest,
  trainSoftmax,
  type ClassifierWeights,
  type FeatureSpec,
} from '#soma/preprocessing';
import { readLabeledSet } from './labeled-set.js';

const HASH_SIZE = 2048;
const EMBEDDING_WEIGHT = 0.1;
const TAG_THRESHOLD = 0.5;
const OPTIONS = { epochs: 300, learningRate: 0.5, l2: 1e-3 };

const round = (rows: number[][]): number[][] => rows.map((row) => row.map((w) => Math.round(w * 1e5) / 1e5));

async function main(): Promise<void> {
  const config = new SomaConfig(loadConfig());
  const train = readLabeledSet().filter((row) => row.split === 'train');
  const embedder = new SlmEmbeddingProvider(config);
  await embedder.load();
  const started = performance.now();
  const embeddings: (readonly number[])[] = [];
  for (const row of train) embeddings.push(await embedder.embed(row.text));
  console.log(`embedded ${train.length} training messages in ${Math.round(performance.now() - started)} ms`);
  await embedder.onApplicationShutdown();

  const stats = embeddingStatistics(embeddings);
  const spec: FeatureSpec = {
    embeddingSize: embeddings[0]?.length ?? 0,
    embeddingMean: stats.mean.map((v) => Math.round(v * 1e7) / 1e7),
    embeddingScale: stats.scale.map((v) => Math.round(v * 1e7) / 1e7),
    embeddingWeight: EMBEDDING_WEIGHT,
    hashSize: HASH_SIZE,
  };
  const X = train.map((row, i) => featurize(row.text, embeddings[i] ?? [], spec));
  const intent = trainSoftmax(
    X,
    train.map((row) => INTENTS.indexOf(row.intent)),
    INTENTS,
    OPTIONS,
  );
  const sentiment = trainSoftmax(
    X,
    train.map((row) => SENTIMENTS.indexOf(row.sentiment)),
    SENTIMENTS,
    OPTIONS,
  );
  const tags = trainOneVsRest(
    X,
    train.map((row) => row.tags),
    TAGS,
    OPTIONS,
  );
  const heads = {
    intent: { labels: intent.labels, weights: round(intent.weights) },
    sentiment: { labels: sentiment.labels, weights: round(sentiment.weights) },
    tags: { labels: tags.labels, weights: round(tags.weights), threshold: TAG_THRESHOLD },
  };
  const fingerprint = createHash('sha256').update(JSON.stringify({ spec, heads })).digest('hex').slice(0, 12);
  const weights: ClassifierWeights = parseClassifierWeights({
    version: 1,
    model: embedder.modelName,
    maxInputTokens: config.slmMaxInputTokens,
    features: spec,
    ...heads,
    trainedAt: new Date().toISOString(),
    trainExamples: train.length,
    fingerprint,
  });
  writeFileSync(config.slmWeightsPath, `${JSON.stringify(weights)}\n`);
  console.log(
    `wrote ${config.slmWeightsPath} (fingerprint ${fingerprint}) in ${Math.round(performance.now() - started)} ms`,
  );
}

await main();
