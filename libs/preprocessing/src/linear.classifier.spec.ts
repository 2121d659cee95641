import { describe, expect, it } from 'vitest';
import {
  featurize,
  lexicalFeatures,
  predictOneVsRest,
  predictSoftmax,
  trainOneVsRest,
  trainSoftmax,
  type FeatureSpec,
} from './linear.classifier.js';

const spec: FeatureSpec = {
  embeddingSize: 2,
  embeddingMean: [0, 0],
  embeddingScale: [1, 1],
  embeddingWeight: 1,
  hashSize: 64,
};
const options = { epochs: 200, learningRate: 0.5, l2: 1e-4 };

describe('linear classifier', () => {
  it('hashes the same text to the same unit-length vector', () => {
    const a = lexicalFeatures('Run the tests please', 64);
    const b = lexicalFeatures('run the tests please', 64);
    expect([...a]).toEqual([...b]);
    expect(Math.hypot(...a)).toBeCloseTo(1, 6);
    expect([...lexicalFeatures('deploy to prod', 64)]).not.toEqual([...a]);
  });

  it('refuses an embedding of the wrong size', () => {
    expect(() => featurize('x', [1, 2, 3], spec)).toThrow(/expected 2/);
  });

  it('learns a separable single-label problem', () => {
    const texts = ['thanks so much', 'thank you kindly', 'this is broken', 'it is broken again'];
    const embeddings = [[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]]; // prettier-ignore
    const X = texts.map((text, i) => featurize(text, embeddings[i] ?? [], spec));
    const head = trainSoftmax(X, [0, 0, 1, 1], ['praise', 'complaint'], options);
    const probe = featurize('broken broken', [0, 1], spec);
    const probabilities = predictSoftmax(head, probe);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(probabilities[1]).toBeGreaterThan(0.5);
  });

  it('learns one-vs-rest tags independently', () => {
    const texts = ['python script', 'sql query', 'python and sql', 'hello there'];
    const X = texts.map((text) => featurize(text, [0, 0], spec));
    const head = trainOneVsRest(X, [['python'], ['sql'], ['python', 'sql'], []], ['python', 'sql'], options);
    const [python, sql] = predictOneVsRest(head, featurize('a python script', [0, 0], spec));
    expect(python).toBeGreaterThan(0.5);
    expect(sql).toBeLessThan(0.5);
  });
});
