/**
 * Serving under load (issue 17): N sessions post a message at the same moment; measured two ways in one run, on
 * the same model, prompts, token limit and machine:
 *  - baseline: node-llama-cpp in this process with N sequences in one context, all generating at once (the
 *    library batches every sequence's step into one decode: continuous batching as the model offers it). The
 *    llama.cpp server (`llama-server --parallel N`) was not built for this: the node-llama-cpp binding runs the same
 *    llama.cpp batching without a second build of the sources;
 *  - platform: N sessions of the running platform, N SSE clients connected first, N POSTs at once; each stream
 *    from its POST to its first token event, its last one and its turn's end.
 * Prints time to first token p50/p95/p99, per-stream and aggregate tokens/s, turn time, failures, the worker's
 * peak RSS and the machine's load, beside the targets. Asserts nothing.
 * Usage: npm run bench:load [-- --sessions 24] [-- --timeout 600]   (the platform must be up: npm run platform)
 */
import { SseStream, type SseEvent } from '#soma/client';
import { loadConfig } from '#soma/platform';
import { loadavg } from 'node:os';
import { getLlama, LlamaChat } from 'node-llama-cpp';
import { bareReply, percentile, platformApi } from './bench-support.js';

const option = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const sessions = option('sessions', 24);
const timeoutMs = option('timeout', 600) * 1000;
const prompts = [
  'Explain what an API key is in two sentences.',
  'Give me three tips for writing clear emails.',
  'What is the difference between a list and a tuple in Python?',
  'Describe a sandbox in one paragraph.',
  'Why do teams use message queues?',
  'What does a load balancer do?',
];

/** One stream's timings, in ms from the moment every request was sent. */
interface Stream {
  firstMs: number;
  endMs: number;
  tokens: number;
}

interface Measured {
  streams: Stream[];
  failures: string[];
  wallMs: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const spread = (values: number[], show: (v: number) => string) =>
  `p50 ${show(percentile(values, 50))}, p95 ${show(percentile(values, 95))}, p99 ${show(percentile(values, 99))}`;
const perStream = (s: Stream) =>
  s.tokens > 1 && s.endMs > s.firstMs ? (s.tokens - 1) / ((s.endMs - s.firstMs) / 1000) : 0;
const aggregate = (m: Measured) => m.streams.reduce((sum, s) => sum + s.tokens, 0) / (m.wallMs / 1000);

function report(name: string, m: Measured): void {
  console.log(`${name}: ${m.streams.length}/${sessions} completed, ${m.failures.length} failed`);
  if (m.streams.length > 0) {
    console.log(
      `  time to first token  ${spread(
        m.streams.map((s) => s.firstMs),
        seconds,
      )}`,
    );
    console.log(
      `  turn time            ${spread(
        m.streams.map((s) => s.endMs),
        seconds,
      )}`,
    );
    console.log(`  tokens/s per stream  ${spread(m.streams.map(perStream), (v) => v.toFixed(1))}`);
    console.log(
      `  tokens/s aggregate   ${aggregate(m).toFixed(1)} (${m.streams.reduce((a, s) => a + s.tokens, 0)} tokens in ${seconds(m.wallMs)})`,
    );
  }
  for (const failure of [...new Set(m.failures)]) console.log(`  failure: ${failure}`);
}

async function baseline(): Promise<Measured> {
  const config = loadConfig();
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: config.llmThreads });
  const model = await llama.loadModel({ modelPath: config.modelPath });
  const context = await model.createContext({
    // Per sequence, enough for these prompts and the token limit: N × SOMA_LLM_CONTEXT_SIZE cells would make every
    // batched step attend over a KV cache far larger than any stream uses, and understate the baseline.
    contextSize: Math.min(config.llmContextSize, 512 + config.llmMaxTokens),
    sequences: sessions,
    threads: config.llmThreads,
  });
  try {
    const chats = Array.from(
      { length: sessions },
      () => new LlamaChat({ contextSequence: context.getSequence() }),
    );
    const started = performance.now();
    const streams = await Promise.all(
      chats.map(async (chat, i) => {
        let firstMs = 0;
        const tokens = await bareReply(chat, config, prompts[i % prompts.length] ?? '', () => {
          firstMs = performance.now() - started;
        });
        return { firstMs, endMs: performance.now() - started, tokens };
      }),
    );
    return { streams, failures: [], wallMs: performance.now() - started };
  } finally {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  }
}

const turnOf = (e: SseEvent) => (JSON.parse(e.data) as { turnId?: string }).turnId;

/** The worker's resident memory (its /metrics), sampled until stopped; the peak. */
function workerMemory(url: string): { stop: () => number } {
  let peak = 0;
  const sample = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const match = /^process_resident_memory_bytes(?:\{[^}]*\})? (\S+)$/m.exec(text);
    if (match) peak = Math.max(peak, Number(match[1]));
  };
  const timer = setInterval(() => {
    sample().catch(() => undefined);
  }, 500);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

async function platform(): Promise<Measured & { workerPeakRss: number }> {
  const config = loadConfig();
  const { api, baseUrl, key } = platformApi();
  const ids = await Promise.all(Array.from({ length: sessions }, () => api.createSession()));
  const streams = ids.map(
    (id) => new SseStream(`${baseUrl}/v1/sessions/${id}/events`, { authorization: `Bearer ${key ?? ''}` }),
  );
  await Promise.all(streams.map((s) => s.status));
  const memory = workerMemory(`http://127.0.0.1:${config.workerPort}`);
  const started = performance.now();
  const posted = await Promise.all(
    ids.map((id, i) => api.postMessage(id, prompts[i % prompts.length] ?? '')),
  );
  const failures: string[] = [];
  const done: Stream[] = [];
  await Promise.all(
    streams.map(async (stream, i) => {
      const turnId = posted[i]?.turnId;
      const ended = (e: SseEvent) =>
        e.event.startsWith('turn.') && e.event !== 'turn.started' && turnOf(e) === turnId;
      try {
        const events = (await stream.waitFor((all) => all.some(ended), timeoutMs)).filter(
          (e) => turnOf(e) === turnId,
        );
        const end = events.find(ended);
        const tokens = events.filter((e) => e.event === 'token');
        if (end?.event !== 'turn.completed' || tokens.length === 0) {
          failures.push(
            `${end?.event ?? 'no end'} ${(JSON.parse(end?.data ?? '{}') as { code?: string }).code ?? ''}`,
          );
          return;
        }
        const usage = (JSON.parse(end.data) as { usage: { completionTokens: number } }).usage;
        done.push({
          firstMs: (tokens[0] as SseEvent).receivedAt - started,
          endMs: end.receivedAt - started,
          tokens: usage.completionTokens,
        });
      } catch (error) {
        failures.push((error as Error).message);
      } finally {
        stream.close();
      }
    }),
  );
  const wallMs = performance.now() - started;
  return { streams: done, failures, wallMs, workerPeakRss: memory.stop() };
}

const loadBefore = loadavg()[0] ?? 0;
const bare = await baseline();
report(`baseline: node-llama-cpp, ${sessions} sequences in one context, batched`, bare);
const served = await platform().catch((error: unknown) => {
  console.log(`platform: skipped (${(error as Error).message}); start it with npm run platform`);
  return undefined;
});
if (served) {
  report(`platform: ${sessions} sessions posting at once`, served);
  console.log(`  worker peak RSS      ${(served.workerPeakRss / 1024 / 1024).toFixed(0)} MiB`);
  const p95 = percentile(
    served.streams.map((s) => s.firstMs),
    95,
  );
  const ratio = aggregate(served) / aggregate(bare);
  console.log('targets');
  console.log(`  first token p95 ≤ 3 s:                  ${seconds(p95)} ${p95 <= 3000 ? 'met' : 'missed'}`);
  console.log(`  every turn completes:                   ${served.failures.length === 0 ? 'met' : 'missed'}`);
  console.log(
    `  aggregate tokens/s ≥ 0.8 × baseline:    ${ratio.toFixed(2)}× ${ratio >= 0.8 ? 'met' : 'missed'}`,
  );
}
console.log(
  `machine load (1 min average): ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after`,
);
