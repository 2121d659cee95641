/**
 * `npm run eval:slm`: classifies the test split through MessageClassifier (the runtime path: warm embedding
 * context, queue, budget) and prints accuracy and macro-F1 per label family and latency p50/p95/p99.
 * The last line is `SLM_EVAL {json}` for tests. Options: --rounds N (latency samples = N × test size).
 */
import { cpus, loadavg } from 'node:os';
import { HealthRegistry, loadConfig, SomaConfig } from '#soma/platform';
import {
  INTENTS,
  MessageClassifier,
  SENTIMENTS,
  SLM_DURATION_BUCKETS,
  SLM_DURATION_METRIC,
  SlmEmbeddingProvider,
  TAGS,
  type LabeledMessage,
  type MessageClassified,
} from '#soma/preprocessing';
import { Histogram } from 'prom-client';
import { percentile, readLabeledSet } from './labeled-set.js';

interface FamilyScore {
  accuracy: number;
  macroF1: number;
  perLabelF1: Record<string, number>;
}

const f1 = (tp: number, fp: number, fn: number): number => (tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function scoreSingle(labels: readonly string[], gold: string[], predicted: string[]): FamilyScore {
  const perLabelF1: Record<string, number> = {};
  for (const label of labels) {
    let tp = 0, fp = 0, fn = 0; // prettier-ignore
    gold.forEach((g, i) => {
      const p = predicted[i];
      if (p === label && g === label) tp++;
      else if (p === label) fp++;
      else if (g === label) fn++;
    });
    perLabelF1[label] = r3(f1(tp, fp, fn));
  }
  const correct = gold.filter((g, i) => predicted[i] === g).length;
  const f1s = Object.values(perLabelF1);
  return {
    accuracy: r3(correct / gold.length),
    macroF1: r3(f1s.reduce((a, b) => a + b, 0) / f1s.length),
    perLabelF1,
  };
}

/** Tags are multi-label: accuracy is label-wise (Hamming), macro-F1 averages the tags present in the test split. */
function scoreTags(
  gold: string[][],
  predicted: string[][],
): FamilyScore & { microF1: number; exactMatch: number } {
  const perLabelF1: Record<string, number> = {};
  let TP = 0, FP = 0, FN = 0, agree = 0; // prettier-ignore
  for (const tag of TAGS) {
    let tp = 0, fp = 0, fn = 0; // prettier-ignore
    gold.forEach((g, i) => {
      const inGold = g.includes(tag);
      const inPred = predicted[i]?.includes(tag) ?? false;
      if (inGold && inPred) tp++;
      else if (inPred) fp++;
      else if (inGold) fn++;
      if (inGold === inPred) agree++;
    });
    TP += tp;
    FP += fp;
    FN += fn; // prettier-ignore
    if (tp + fn > 0) perLabelF1[tag] = r3(f1(tp, fp, fn));
  }
  const f1s = Object.values(perLabelF1);
  const exact = gold.filter(
    (g, i) => [...g].sort().join() === [...(predicted[i] ?? [])].sort().join(),
  ).length;
  return {
    accuracy: r3(agree / (gold.length * TAGS.length)),
    macroF1: r3(f1s.reduce((a, b) => a + b, 0) / f1s.length),
    microF1: r3(f1(TP, FP, FN)),
    exactMatch: r3(exact / gold.length),
    perLabelF1,
  };
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

async function main(): Promise<void> {
  // A budget far above any latency, so that accuracy is the model's; latency is measured either way.
  const config = new SomaConfig(
    loadConfig({ ...process.env, SOMA_SLM_BUDGET_MS: '60000', SOMA_SLM_MAX_PENDING: '1' }),
  );
  const test: LabeledMessage[] = readLabeledSet().filter((row) => row.split === 'test');
  const histogram = new Histogram({
    name: SLM_DURATION_METRIC,
    help: 'eval',
    labelNames: ['outcome'],
    buckets: SLM_DURATION_BUCKETS,
    registers: [],
  });
  const classifier = new MessageClassifier(
    config,
    new SlmEmbeddingProvider(config),
    histogram,
    new HealthRegistry(),
  );
  const embedder = new SlmEmbeddingProvider(config);
  const loadBefore = loadavg()[0] ?? 0;
  await classifier.onModuleInit();
  const rounds = option('rounds', 2);
  const latencies: number[] = [];
  // Process CPU time (all llama threads included) per message: the figure contention on a shared box does not inflate.
  const cpuBefore = process.cpuUsage();
  const results: MessageClassified[] = [];
  let unclassified = 0;
  for (let round = 0; round < rounds; round++) {
    for (const row of test) {
      const result = await classifier.classify(row.text);
      latencies.push(result.durationMs);
      if (result.status !== 'classified') unclassified++;
      else if (round === 0) results.push(result);
    }
  }
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMsPerMessage = (cpu.user + cpu.system) / 1000 / latencies.length;
  await embedder.onApplicationShutdown();
  if (results.length !== test.length)
    throw new Error(`${test.length - results.length} test messages unclassified`);
  const sorted = [...latencies].sort((a, b) => a - b);
  const report = {
    model: classifier.modelId,
    testMessages: test.length,
    intent: scoreSingle(
      INTENTS,
      test.map((r) => r.intent),
      results.map((r) => r.intent),
    ),
    sentiment: scoreSingle(
      SENTIMENTS,
      test.map((r) => r.sentiment),
      results.map((r) => r.sentiment.label),
    ),
    tags: scoreTags(
      test.map((r) => r.tags),
      results.map((r) => r.tags),
    ),
    latencyMs: {
      samples: sorted.length,
      p50: r3(percentile(sorted, 0.5)),
      p95: r3(percentile(sorted, 0.95)),
      p99: r3(percentile(sorted, 0.99)),
      max: r3(sorted.at(-1) ?? Number.NaN),
      cpuMsPerMessage: r3(cpuMsPerMessage),
    },
    unclassified,
    conditions: {
      cpus: cpus().length,
      slmThreads: config.slmThreads,
      loadavg1mBefore: r3(loadBefore),
      loadavg1mAfter: r3(loadavg()[0] ?? 0),
    },
  };
  console.log(`SLM evaluation on ${test.length} test messages, model ${report.model}`);
  for (const family of ['intent', 'sentiment', 'tags'] as const) {
    const score = report[family];
    console.log(
      `  ${family.padEnd(9)} accuracy ${score.accuracy.toFixed(3)}  macro-F1 ${score.macroF1.toFixed(3)}`,
    );
    console.log(
      `            per label F1 ${Object.entries(score.perLabelF1)
        .map(([l, v]) => `${l}=${v.toFixed(2)}`)
        .join(' ')}`,
    );
  }
  console.log(
    `  tags      micro-F1 ${report.tags.microF1.toFixed(3)}  exact set ${report.tags.exactMatch.toFixed(3)}`,
  );
  const l = report.latencyMs;
  console.log(
    `  latency   p50 ${l.p50} ms  p95 ${l.p95} ms  p99 ${l.p99} ms  max ${l.max} ms  (${l.samples} samples), ${l.cpuMsPerMessage} ms CPU per message`,
  );
  console.log(
    `  machine   ${report.conditions.cpus} cpus, ${config.slmThreads} slm thread(s), load ${report.conditions.loadavg1mBefore} → ${report.conditions.loadavg1mAfter}`,
  );
  console.log(`SLM_EVAL ${JSON.stringify(report)}`);
}

await main();
