/**
 * The trained part of preprocessing, as pure functions: features from a model embedding plus hashed word and
 * character n-grams, multinomial logistic regression for single-label families and one-vs-rest logistic
 * regression for tags. Training (scripts/slm/train-slm.ts) and inference share these functions.
 */

export interface FeatureSpec {
  /** Length of the model embedding. */
  embeddingSize: number;
  /** Per-dimension mean and scale of the L2-normalised embedding over the training split. */
  embeddingMean: number[];
  embeddingScale: number[];
  /** Weight of the standardised embedding block against the (unit-length) lexical block. */
  embeddingWeight: number;
  /** Buckets of the hashed lexical features. */
  hashSize: number;
}

/** Weights of one label family: one row per label, each row `featureCount + 1` long (bias last). */
export interface LinearHead {
  labels: string[];
  weights: number[][];
}

export interface TrainOptions {
  epochs: number;
  learningRate: number;
  l2: number;
}

function fnv1a(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return hash >>> 0;
}

/** Words, word bigrams and character 3- and 4-grams of the lower-cased text, hashed into `hashSize` buckets. */
export function lexicalFeatures(text: string, hashSize: number): Float64Array {
  const vector = new Float64Array(hashSize);
  const lower = text.toLowerCase();
  const words = lower.match(/[a-z0-9_']+|[^\sa-z0-9_']/g) ?? [];
  const add = (feature: string): void => {
    const bucket = fnv1a(feature) % hashSize;
    vector[bucket] = (vector[bucket] ?? 0) + 1;
  };
  for (const word of words) add(`w:${word}`);
  for (let i = 0; i + 1 < words.length; i++) add(`b:${words[i] ?? ''} ${words[i + 1] ?? ''}`);
  const padded = ` ${lower} `;
  for (let n = 3; n <= 4; n++)
    for (let i = 0; i + n <= padded.length; i++) add(`c:${padded.slice(i, i + n)}`);
  return normalize(vector);
}

export function normalize(vector: Float64Array): Float64Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum) || 1;
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}

/** The feature vector of one message: standardised embedding block, then the lexical block. */
export function featurize(text: string, embedding: ArrayLike<number>, spec: FeatureSpec): Float64Array {
  if (embedding.length !== spec.embeddingSize)
    throw new Error(`embedding has ${embedding.length} dimensions, expected ${spec.embeddingSize}`);
  const unit = normalize(Float64Array.from(embedding));
  const features = new Float64Array(spec.embeddingSize + spec.hashSize);
  for (let d = 0; d < spec.embeddingSize; d++) {
    const scale = spec.embeddingScale[d] ?? 1;
    features[d] = (((unit[d] ?? 0) - (spec.embeddingMean[d] ?? 0)) / scale) * spec.embeddingWeight;
  }
  features.set(lexicalFeatures(text, spec.hashSize), spec.embeddingSize);
  return features;
}

/** Mean and scale per embedding dimension (after L2 normalisation), for standardisation. */
export function embeddingStatistics(embeddings: readonly ArrayLike<number>[]): {
  mean: number[];
  scale: number[];
} {
  const size = embeddings[0]?.length ?? 0;
  const units = embeddings.map((embedding) => normalize(Float64Array.from(embedding)));
  const mean = new Array<number>(size).fill(0);
  const scale = new Array<number>(size).fill(0);
  for (const unit of units)
    for (let d = 0; d < size; d++) mean[d] = (mean[d] ?? 0) + (unit[d] ?? 0) / units.length;
  for (const unit of units)
    for (let d = 0; d < size; d++)
      scale[d] = (scale[d] ?? 0) + ((unit[d] ?? 0) - (mean[d] ?? 0)) ** 2 / units.length;
  return { mean, scale: scale.map((variance) => Math.sqrt(variance) + 1e-6) };
}

function score(row: readonly number[], features: Float64Array): number {
  let sum = row[features.length] ?? 0;
  for (let f = 0; f < features.length; f++) sum += (row[f] ?? 0) * (features[f] ?? 0);
  return sum;
}

export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((logit) => Math.exp(logit - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / total);
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Probabilities over the labels of a single-label head. */
export function predictSoftmax(head: LinearHead, features: Float64Array): number[] {
  return softmax(head.weights.map((row) => score(row, features)));
}

/** Independent probabilities, one per label, of a one-vs-rest head. */
export function predictOneVsRest(head: LinearHead, features: Float64Array): number[] {
  return head.weights.map((row) => sigmoid(score(row, features)));
}

/** Inverse-frequency weights softened by a square root, so rare labels are not ignored. */
export function balancedWeights(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((count) => Math.sqrt(total / (counts.length * Math.max(1, count))));
}

function gradientStep(
  weights: number[][],
  gradients: Float64Array[],
  n: number,
  options: TrainOptions,
): void {
  weights.forEach((row, k) => {
    const gradient = gradients[k] ?? new Float64Array(row.length);
    for (let f = 0; f < row.length; f++) {
      const decay = f < row.length - 1 ? options.l2 * (row[f] ?? 0) : 0;
      row[f] = (row[f] ?? 0) - options.learningRate * ((gradient[f] ?? 0) / n + decay);
    }
  });
}

function accumulate(gradient: Float64Array | undefined, features: Float64Array, g: number): void {
  if (!gradient || g === 0) return;
  for (let f = 0; f < features.length; f++) gradient[f] = (gradient[f] ?? 0) + g * (features[f] ?? 0);
  gradient[features.length] = (gradient[features.length] ?? 0) + g;
}

/** Multinomial logistic regression by full-batch gradient descent with L2 and per-class weights. */
export function trainSoftmax(
  X: readonly Float64Array[],
  y: readonly number[],
  labels: readonly string[],
  options: TrainOptions,
): LinearHead {
  const width = (X[0]?.length ?? 0) + 1;
  const weights = labels.map(() => new Array<number>(width).fill(0));
  const classWeights = balancedWeights(labels.map((_, k) => y.filter((label) => label === k).length));
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const gradients = labels.map(() => new Float64Array(width));
    X.forEach((features, i) => {
      const target = y[i] ?? 0;
      const probabilities = softmax(weights.map((row) => score(row, features)));
      probabilities.forEach((p, k) => {
        accumulate(gradients[k], features, (p - (k === target ? 1 : 0)) * (classWeights[target] ?? 1));
      });
    });
    gradientStep(weights, gradients, X.length, options);
  }
  return { labels: [...labels], weights };
}

/** One binary logistic regression per label (multi-label), positives up-weighted by their rarity. */
export function trainOneVsRest(
  X: readonly Float64Array[],
  Y: readonly (readonly string[])[],
  labels: readonly string[],
  options: TrainOptions,
): LinearHead {
  const width = (X[0]?.length ?? 0) + 1;
  const weights = labels.map((label) => {
    const targets = Y.map((set) => (set.includes(label) ? 1 : 0));
    const positives = targets.reduce<number>((a, b) => a + b, 0);
    const positiveWeight = Math.sqrt((targets.length - positives) / Math.max(1, positives));
    const row = [new Array<number>(width).fill(0)];
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const gradient = [new Float64Array(width)];
      X.forEach((features, i) => {
        const target = targets[i] ?? 0;
        const p = sigmoid(score(row[0] ?? [], features));
        accumulate(gradient[0], features, (p - target) * (target === 1 ? positiveWeight : 1));
      });
      gradientStep(row, gradient, X.length, options);
    }
    return row[0] ?? [];
  });
  return { labels: [...labels], weights };
}
