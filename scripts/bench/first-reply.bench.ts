/**
 * Time to first token and generation speed of the local model, measured two ways in one run:
 *  - bare: node-llama-cpp in this process (the model's own speed on this machine);
 *  - platform: through the running platform (POST → Kafka → worker → Kafka → SSE), as a client sees it.
 * Usage: npm run bench:first-reply [-- --turns 20]   (the platform must be up: npm run platform)
 */
import { SseStream, type SseEvent } from '#soma/client';
import { loadConfig } from '#soma/platform';
import { getLlama, LlamaChat } from 'node-llama-cpp';
import { bareReply, percentile, platformApi } from './bench-support.js';

const turns = Number(process.argv[process.argv.indexOf('--turns') + 1]) || 20;
const prompts = [
  'Explain what an API key is in two sentences.',
  'Give me three tips for writing clear emails.',
  'What is the difference between a list and a tuple in Python?',
  'Describe a sandbox in one paragraph.',
  'Why do teams use message queues?',
];

const fmt = (values: number[], unit: string, digits = 1): string =>
  `p50 ${percentile(values, 50).toFixed(digits)} ${unit}, p95 ${percentile(values, 95).toFixed(digits)} ${unit}, mean ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(digits)} ${unit}`;

async function bare(): Promise<void> {
  const config = loadConfig();
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: config.llmThreads });
  const model = await llama.loadModel({ modelPath: config.modelPath });
  const context = await model.createContext({
    contextSize: config.llmContextSize,
    threads: config.llmThreads,
  });
  const chat = new LlamaChat({ contextSequence: context.getSequence() });
  const ttft: number[] = [];
  const speed: number[] = [];
  for (let i = 0; i < turns; i++) {
    const started = performance.now();
    let first = 0;
    const tokens = await bareReply(chat, config, prompts[i % prompts.length] ?? '', () => {
      first = performance.now();
    });
    const ended = performance.now();
    ttft.push(first - started);
    if (tokens > 1) speed.push((tokens - 1) / ((ended - first) / 1000));
  }
  console.log(
    `bare node-llama-cpp (${turns} prompts, ${config.llmThreads} threads, max ${config.llmMaxTokens} tokens)`,
  );
  console.log(`  time to first token: ${fmt(ttft, 'ms')}`);
  console.log(`  generation speed:    ${fmt(speed, 'tokens/s')}`);
  await context.dispose();
  await model.dispose();
  await llama.dispose();
}

async function platform(): Promise<void> {
  const { api, baseUrl, key } = platformApi();
  const ttft: number[] = [];
  const speed: number[] = [];
  for (let i = 0; i < turns; i++) {
    // A fresh session per turn: the same prompt size as the bare measurement.
    const sessionId = await api.createSession();
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${key ?? ''}`,
    });
    await stream.status;
    const posted = performance.now();
    const { turnId } = await api.postMessage(sessionId, prompts[i % prompts.length] ?? '');
    const events = await stream.waitFor(
      (all) =>
        all.some(
          (e) =>
            e.event.startsWith('turn.') &&
            e.event !== 'turn.started' &&
            (JSON.parse(e.data) as { turnId: string }).turnId === turnId,
        ),
      120_000,
    );
    stream.close();
    const ofTurn = (e: SseEvent) => (JSON.parse(e.data) as { turnId: string }).turnId === turnId;
    const tokens = events.filter((e) => e.event === 'token' && ofTurn(e));
    const terminal = events.find((e) => e.event === 'turn.completed' && ofTurn(e));
    if (!terminal || tokens.length === 0) throw new Error('turn did not complete');
    const usage = (JSON.parse(terminal.data) as { usage: { completionTokens: number } }).usage;
    const firstAt = (tokens[0] as SseEvent).receivedAt;
    const endAt = terminal.receivedAt;
    ttft.push(firstAt - posted);
    if (usage.completionTokens > 1) speed.push((usage.completionTokens - 1) / ((endAt - firstAt) / 1000));
  }
  console.log(`platform, end to end via ${baseUrl} (${turns} single-turn sessions)`);
  console.log(`  time to first token (POST → first token event at the SSE client): ${fmt(ttft, 'ms')}`);
  console.log(`  generation speed seen by the client: ${fmt(speed, 'tokens/s')}`);
}

await bare();
await platform().catch((error: unknown) => {
  console.log(`platform: skipped (${(error as Error).message}); start it with npm run platform`);
});
