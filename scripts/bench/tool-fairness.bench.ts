/**
 * How long one tenant's quick tool call waits while another tenant floods the tool executor, beside the same
 * call on an idle executor, measured in the same run on the running platform:
 *   idle      tenant B's `print(2)` calls, one after another, nothing else running
 *   flooded   the same calls while tenant A has FLOOD calls of `sleep(SLEEP_S)` queued at once (more than every
 *             slot of the executor), sent just before
 * Each latency is POST /tool-calls → the call's result stored (polled every 20 ms). Prints p50, max and the
 * ratio flooded/idle; the worst flooded delay is the bound a tenant sees.
 * Usage: npm run platform, then npm run build && npm run bench:tool-fairness [-- --calls 10 --flood 12]
 */
import { ApiClient } from '#soma/client';
import { loadConfig } from '#soma/platform';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const CALLS = arg('calls', 10);
const FLOOD = arg('flood', 12);
const SLEEP_S = arg('sleep', 8);
const config = loadConfig();
const keyFile = join(process.env.SOMA_STATE_DIR ?? '.soma', 'admin-api-key');
const operatorKey = config.adminApiKey ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '');
const baseUrl = process.env.SOMA_BENCH_URL ?? `http://127.0.0.1:${config.gatewayPort}`;
const operator = new ApiClient(baseUrl, operatorKey);

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

async function tenant(name: string): Promise<{ api: ApiClient; sessionId: string }> {
  const created = await operator.request<{ id: string; adminKey: string }>('POST', '/v1/tenants', {
    body: { name: `${name}-${randomUUID().slice(0, 8)}` },
  });
  if (created.status !== 201) throw new Error(`tenant: ${created.status} ${JSON.stringify(created.body)}`);
  const api = new ApiClient(baseUrl, created.body.adminKey);
  const session = await api.request<{ id: string }>('POST', '/v1/sessions', { body: {} });
  if (session.status !== 201) throw new Error(`session: ${session.status} ${JSON.stringify(session.body)}`);
  return { api, sessionId: session.body.id };
}

async function send(api: ApiClient, sessionId: string, code: string): Promise<string> {
  const response = await api.request<{ toolCallId: string }>('POST', `/v1/sessions/${sessionId}/tool-calls`, {
    body: { tool: 'code.execute', arguments: { language: 'python', code, timeoutMs: 30_000 } },
  });
  if (response.status !== 202)
    throw new Error(`tool call: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.toolCallId;
}

async function finished(api: ApiClient, sessionId: string, toolCallId: string): Promise<string> {
  for (;;) {
    const calls = await api.request<{ toolCallId: string; status: string }[]>(
      'GET',
      `/v1/sessions/${sessionId}/tool-calls`,
    );
    const call = calls.body.find((candidate) => candidate.toolCallId === toolCallId);
    if (call && call.status !== 'running') return call.status;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Latencies of `CALLS` quick calls of tenant B, one after another. */
async function quickCalls(b: { api: ApiClient; sessionId: string }): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    const id = await send(b.api, b.sessionId, 'print(2)');
    const status = await finished(b.api, b.sessionId, id);
    if (status !== 'ok') throw new Error(`quick call ended ${status}`);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

async function main(): Promise<void> {
  const a = await tenant('bench-flooder');
  const b = await tenant('bench-other');
  await quickCalls(b); // warm-up: sandbox, policy caches, connections
  const idle = await quickCalls(b);
  const flood = await Promise.all(
    Array.from({ length: FLOOD }, () => send(a.api, a.sessionId, `import time\ntime.sleep(${SLEEP_S})`)),
  );
  const floodStarted = performance.now();
  const flooded = await quickCalls(b);
  const floodStatuses = await Promise.all(flood.map((id) => finished(a.api, a.sessionId, id)));
  const floodSeconds = (performance.now() - floodStarted) / 1000;
  const row = (label: string, values: number[]) =>
    `  ${label.padEnd(34)} p50 ${pct(values, 50).toFixed(0).padStart(6)} ms   max ${Math.max(...values)
      .toFixed(0)
      .padStart(6)} ms`;
  console.log(`tool fairness: tenant B's print(2) while tenant A floods (${FLOOD} × sleep(${SLEEP_S}))`);
  console.log(row('idle executor', idle));
  console.log(row('flooded executor', flooded));
  console.log(
    `  ratio flooded/idle               p50 ${(pct(flooded, 50) / pct(idle, 50)).toFixed(2)}×   max ${(Math.max(...flooded) / Math.max(...idle)).toFixed(2)}×`,
  );
  console.log(
    `  flood: ${floodStatuses.filter((s) => s === 'ok').length}/${FLOOD} ok, all done after ${floodSeconds.toFixed(1)} s ` +
      `(one call alone: ${SLEEP_S} s; the flooder waits behind itself)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
