import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { INTENTS, SENTIMENTS, TAGS } from './classification.contract.js';
import { PreprocessingError } from './preprocessing.errors.js';

const Head = Type.Object({
  labels: Type.Array(Type.String()),
  weights: Type.Array(Type.Array(Type.Number())),
});

/** The file `npm run train:slm` writes and the classifier loads: features, heads and their provenance. */
export const ClassifierWeightsSchema = Type.Object({
  version: Type.Literal(1),
  /** File name of the GGUF whose embeddings the heads were trained on. */
  model: Type.String(),
  maxInputTokens: Type.Integer({ minimum: 1 }),
  features: Type.Object({
    embeddingSize: Type.Integer({ minimum: 1 }),
    embeddingMean: Type.Array(Type.Number()),
    embeddingScale: Type.Array(Type.Number()),
    embeddingWeight: Type.Number(),
    hashSize: Type.Integer({ minimum: 1 }),
  }),
  intent: Head,
  sentiment: Head,
  tags: Type.Intersect([Head, Type.Object({ threshold: Type.Number({ minimum: 0, maximum: 1 }) })]),
  trainedAt: Type.String(),
  trainExamples: Type.Integer(),
  /** A short hash of the weights, reported as part of every classification's `model`. */
  fingerprint: Type.String(),
});
export type ClassifierWeights = Static<typeof ClassifierWeightsSchema>;

const check = TypeCompiler.Compile(ClassifierWeightsSchema);

function sameLabels(actual: readonly string[], expected: readonly string[]): boolean {
  return actual.length === expected.length && actual.every((label, i) => label === expected[i]);
}

/** Validates the shape, the label sets and every row's width; throws WEIGHTS_INVALID with what is wrong. */
export function parseClassifierWeights(json: unknown): ClassifierWeights {
  if (!check.Check(json)) {
    const first = check.Errors(json).First();
    throw new PreprocessingError(
      'WEIGHTS_INVALID',
      `classifier weights: ${first?.path ?? ''} ${first?.message ?? ''}`,
    );
  }
  const { features } = json;
  const width = features.embeddingSize + features.hashSize + 1;
  const problems: string[] = [];
  if (!sameLabels(json.intent.labels, INTENTS)) problems.push('intent labels differ from INTENTS');
  if (!sameLabels(json.sentiment.labels, SENTIMENTS))
    problems.push('sentiment labels differ from SENTIMENTS');
  if (!sameLabels(json.tags.labels, TAGS)) problems.push('tag labels differ from TAGS');
  if (
    features.embeddingMean.length !== features.embeddingSize ||
    features.embeddingScale.length !== features.embeddingSize
  )
    problems.push('embedding statistics do not match embeddingSize');
  for (const [name, head] of [
    ['intent', json.intent],
    ['sentiment', json.sentiment],
    ['tags', json.tags],
  ] as const) {
    if (head.weights.length !== head.labels.length || head.weights.some((row) => row.length !== width))
      problems.push(`${name} weights are not ${head.labels.length} rows of ${width}`);
  }
  if (problems.length > 0)
    throw new PreprocessingError('WEIGHTS_INVALID', `classifier weights: ${problems.join('; ')}`);
  return json;
}

export function loadClassifierWeights(path: string): ClassifierWeights {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new PreprocessingError(
      'WEIGHTS_INVALID',
      `cannot read classifier weights at ${path}: ${String(cause)}`,
      {
        path,
      },
    );
  }
  return parseClassifierWeights(raw);
}
