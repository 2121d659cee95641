import { ApiClient, SseStream } from '#soma/client';
import { loadConfig } from '#soma/platform';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LLAMA_SERVER_PYTHON as python, STATE_DIR, TEST_PORTS } from '../support/apps.js';
import { payload, sleep, terminalOf } from '../support/events.js';

const port = TEST_PORTS.gateway + 50;
const serverUrl = `http://127.0.0.1:${port}/v1`;

describe('OpenAI-compatible provider against a real server (llama-cpp-python serving the same GGUF)', () => {
  let server: ChildProcess;

  beforeAll(async () => {
    const log = createWriteStream(join(STATE_DIR, 'logs', 'test-llama-server.log'), { flags: 'a' });
    server = spawn(
      python,
      [
        '-m',
        'llama_cpp.server',
        '--model',
        loadConfig().modelPath,
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--n_threads',
        '1',
        '--n_ctx',
        '2048',
        '--model_alias',
        'smollm2',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout?.pipe(log);
    server.stderr?.pipe(log);
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (server.exitCode !== null)
        throw new Error(`llama-cpp-python server exited (${server.exitCode}); see test-llama-server.log`);
      const up = await fetch(`${serverUrl}/models`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline) throw new Error('llama-cpp-python server did not start in 90 s');
      await sleep(300);
    }
  });

  afterAll(() => {
    server.kill('SIGTERM');
  });

  it('streams a turn through a profile that points at the server, with the usage it reports', async () => {
    const baseUrl = inject('gatewayUrl');
    const key = inject('adminKey');
    const api = new ApiClient(baseUrl, key);
    const name = `openai-compat-${randomUUID().slice(0, 8)}`;
    const profile = await api.request('POST', '/v1/model-profiles', {
      body: {
        name,
        provider: 'openai',
        model: 'smollm2',
        baseUrl: serverUrl,
        maxTokens: 48,
        inputCostPer1k: 1,
        outputCostPer1k: 2,
      },
    });
    expect(profile.status).toBe(201);
    const sessionId = (
      await api.request<{ id: string }>('POST', '/v1/sessions', { body: { modelProfile: name } })
    ).body.id;
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${key}`,
    });
    const { turnId } = await api.postMessage(sessionId, 'Write three short sentences about the sea.');
    const events = await stream.waitFor(terminalOf(turnId), 120_000);
    stream.close();

    const terminal = events.find((e) => e.event === 'turn.completed' || e.event === 'turn.failed');
    expect(terminal?.event).toBe('turn.completed');
    const tokens = events.filter((e) => e.event === 'token');
    expect(tokens.length).toBeGreaterThan(1);
    const usage = payload<{ usage: { promptTokens: number; completionTokens: number } }>(
      terminal as NonNullable<typeof terminal>,
    ).usage;
    expect(usage.promptTokens).toBeGreaterThan(0);
    expect(usage.completionTokens).toBeGreaterThan(0);
    expect(usage.completionTokens).toBeLessThanOrEqual(48);
    const messages = await api.messages(sessionId);
    expect(messages.at(-1)?.content).toBe(tokens.map((e) => payload<{ delta: string }>(e).delta).join(''));
    const report = await api.request<{ items: { sessionId: string; cost: number }[] }>(
      'GET',
      `/v1/usage?sessionId=${sessionId}`,
    );
    const expectedCost = (usage.promptTokens * 1 + usage.completionTokens * 2) / 1000;
    expect(report.body.items[0]?.cost).toBeCloseTo(expectedCost, 6);
  });

  it('a profile whose server is unreachable ends the turn with turn.failed PROVIDER_UNREACHABLE', async () => {
    const baseUrl = inject('gatewayUrl');
    const key = inject('adminKey');
    const api = new ApiClient(baseUrl, key);
    const name = `openai-down-${randomUUID().slice(0, 8)}`;
    await api.request('POST', '/v1/model-profiles', {
      body: { name, provider: 'openai', model: 'x', baseUrl: `http://127.0.0.1:${port + 1}/v1` },
    });
    const sessionId = (
      await api.request<{ id: string }>('POST', '/v1/sessions', { body: { modelProfile: name } })
    ).body.id;
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${key}`,
    });
    const { turnId } = await api.postMessage(sessionId, 'hello');
    const events = await stream.waitFor(terminalOf(turnId), 60_000);
    stream.close();
    const terminal = events.find((e) => e.event === 'turn.failed');
    expect(payload<{ code: string }>(terminal as NonNullable<typeof terminal>).code).toBe(
      'PROVIDER_UNREACHABLE',
    );
  });
});
