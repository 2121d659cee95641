import { describe, expect, it } from 'vitest';
import { INTENTS, SENTIMENTS, TAGS } from './classification.contract.js';
import { parseClassifierWeights } from './classifier-weights.contract.js';
import { PreprocessingError } from './preprocessing.errors.js';

const width = 2 + 4 + 1;
const head = (labels: readonly string[]): { labels: string[]; weights: number[][] } => ({
  labels: [...labels],
  weights: labels.map(() => new Array<number>(width).fill(0)),
});
const valid = {
  version: 1,
  model: 'm.gguf',
  maxInputTokens: 64,
  features: {
    embeddingSize: 2,
    embeddingMean: [0, 0],
    embeddingScale: [1, 1],
    embeddingWeight: 0.1,
    hashSize: 4,
  },
  intent: head(INTENTS),
  sentiment: head(SENTIMENTS),
  tags: { ...head(TAGS), threshold: 0.5 },
  trainedAt: '2026-01-01T00:00:00Z',
  trainExamples: 1,
  fingerprint: 'abc',
};

function codeOf(json: unknown): string | undefined {
  try {
    parseClassifierWeights(json);
    return undefined;
  } catch (error) {
    return error instanceof PreprocessingError ? `${error.code}: ${error.message}` : 'other';
  }
}

describe('classifier weights', () => {
  it('accepts well-formed weights', () => {
    expect(codeOf(valid)).toBeUndefined();
  });

  it('rejects a label set that differs from the closed vocabulary', () => {
    expect(codeOf({ ...valid, intent: head([...INTENTS.slice(1), 'chit_chat']) })).toMatch(
      /WEIGHTS_INVALID.*intent labels/,
    );
  });

  it('rejects rows of the wrong width and a wrong shape', () => {
    expect(codeOf({ ...valid, sentiment: { labels: [...SENTIMENTS], weights: [[0], [0], [0]] } })).toMatch(
      /WEIGHTS_INVALID.*sentiment weights/,
    );
    expect(codeOf({ ...valid, version: 2 })).toMatch(/WEIGHTS_INVALID/);
  });
});
