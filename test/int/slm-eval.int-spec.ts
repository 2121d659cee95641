import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface EvalReport {
  testMessages: number;
  intent: { accuracy: number; macroF1: number };
  sentiment: { accuracy: number; macroF1: number };
  tags: { accuracy: number; macroF1: number; microF1: number };
  latencyMs: { samples: number; p50: number; p95: number; p99: number; cpuMsPerMessage: number };
  unclassified: number;
}

// Floors a few points under what the model measures (intent 0.778, sentiment 0.869, tags micro-F1 0.549).
const FLOORS = { intent: 0.73, sentiment: 0.82, tagsMicroF1: 0.49 };
// Wall-clock percentiles swing with whatever else runs on the machine; the CPU time per message less (about
// 12 ms with the derived 16-layer model, 84 ms with the full chat model and its LM head). The bound only tells
// the two models apart: a clean-clone run on this shared machine measured 49.5 ms for the derived one.
const MAX_CPU_MS_PER_MESSAGE = 65;

describe('npm run eval:slm', () => {
  it('reaches the accuracy floors on the held-out test split within the CPU budget and prints its figures', async () => {
    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', '--silent', 'eval:slm', '--', '--rounds', '1'],
      {
        cwd: ROOT,
        maxBuffer: 10 * 1024 * 1024,
        timeout: 300_000,
      },
    );
    console.log(stdout);
    const line = stdout.split('\n').find((l) => l.startsWith('SLM_EVAL '));
    expect(line).toBeDefined();
    const report = JSON.parse(line?.slice('SLM_EVAL '.length) ?? '{}') as EvalReport;
    expect(report.testMessages).toBeGreaterThanOrEqual(100);
    expect(report.unclassified).toBe(0);
    expect(report.intent.accuracy).toBeGreaterThanOrEqual(FLOORS.intent);
    expect(report.sentiment.accuracy).toBeGreaterThanOrEqual(FLOORS.sentiment);
    expect(report.tags.microF1).toBeGreaterThanOrEqual(FLOORS.tagsMicroF1);
    expect(report.latencyMs.samples).toBe(report.testMessages);
    expect(report.latencyMs.p50).toBeGreaterThan(0);
    expect(report.latencyMs.p99).toBeGreaterThanOrEqual(report.latencyMs.p95);
    expect(report.latencyMs.cpuMsPerMessage).toBeLessThan(MAX_CPU_MS_PER_MESSAGE);
  }, 300_000);
});
