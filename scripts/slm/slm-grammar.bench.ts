/**
 * `npm run bench:slm-grammar -- --limit N`: the alternative that preprocessing did not choose, measured on the
 * same test split: the local GGUF asked to classify each message, its output constrained by a JSON-schema
 * grammar, with a warm context that keeps the system prompt cached. Prints accuracy and latency.
 */
import { loadConfig } from '#soma/platform';
import { INTENTS, SENTIMENTS, TAGS } from '#soma/preprocessing';
import { getLlama, LlamaChatSession } from 'node-llama-cpp';
import { percentile, readLabeledSet } from './labeled-set.js';

const SYSTEM = [
  'You label messages sent to an AI agent platform. Reply with JSON only.',
  `intent is one of: ${INTENTS.join(', ')}.`,
  `sentiment is one of: ${SENTIMENTS.join(', ')}.`,
  `tags are zero or more of: ${TAGS.join(', ')}.`,
].join('\n');

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const test = readLabeledSet()
    .filter((row) => row.split === 'test')
    .slice(0, option('limit', 40));
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: config.slmThreads });
  const model = await llama.loadModel({ modelPath: config.modelPath });
  const context = await model.createContext({ contextSize: 1024, threads: config.slmThreads });
  const session = new LlamaChatSession({ contextSequence: context.getSequence(), systemPrompt: SYSTEM });
  const initial = session.getChatHistory();
  const grammar = await llama.createGrammarForJsonSchema({
    type: 'object',
    properties: {
      intent: { enum: [...INTENTS] },
      sentiment: { enum: [...SENTIMENTS] },
      tags: { type: 'array', items: { enum: [...TAGS] }, maxItems: 3 },
    },
  });
  await session.prompt('warm up', { grammar, maxTokens: 48, temperature: 0 });
  const latencies: number[] = [];
  let intents = 0;
  let sentiments = 0;
  let invalid = 0;
  for (const row of test) {
    session.setChatHistory(initial);
    const started = performance.now();
    const text = await session.prompt(row.text, { grammar, maxTokens: 64, temperature: 0 });
    latencies.push(performance.now() - started);
    let answer: { intent?: string; sentiment?: string } = {};
    try {
      answer = grammar.parse(text);
    } catch {
      invalid++; // cut off at maxTokens: counts as wrong
    }
    if (answer.intent === row.intent) intents++;
    if (answer.sentiment === row.sentiment) sentiments++;
  }
  const sorted = latencies.sort((a, b) => a - b);
  const ms = (p: number): string => percentile(sorted, p).toFixed(1);
  console.log(
    `grammar-constrained generation on ${test.length} test messages (${config.slmThreads} thread(s))`,
  );
  console.log(
    `  intent accuracy ${(intents / test.length).toFixed(3)}  sentiment accuracy ${(sentiments / test.length).toFixed(3)}`,
  );
  console.log(`  output not valid JSON within 64 tokens: ${invalid}`);
  console.log(`  latency p50 ${ms(0.5)} ms  p95 ${ms(0.95)} ms  p99 ${ms(0.99)} ms`);
  await context.dispose();
  await model.dispose();
  await llama.dispose();
}

await main();
