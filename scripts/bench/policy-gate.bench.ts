/**
 * Policy gate latency against the real OPA and OpenFGA (infra up, provisioned):
 *   npm run build && npm run bench:policy
 * Prints p50/p99 of: a bare OPA decision over the gate's own kept-alive HTTP connection, the gate uncached
 * (OPA and OpenFGA in parallel, every input distinct) and the gate cached (repeated input). Same run, same
 * connection. Goals: gate p99 ≤ 4 ms uncached, ≤ 0.5 ms cached.
 */
import { Logger } from '@nestjs/common';
import { FgaEngine, OpaClient, OpaEngine, PolicyGate, toOpaInput, type PolicyInput } from '#soma/policy';
import { loadConfig } from '#soma/platform';
import pg from 'pg';
import { Counter, Histogram, Registry } from 'prom-client';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 2000);
const WARMUP = 200;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function measure(name: string, n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < WARMUP; i++) await fn(-1 - i);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const fmt = (ms: number) => `${ms.toFixed(3)} ms`;
  console.log(
    `${name.padEnd(44)} n=${n}  p50 ${fmt(percentile(samples, 50))}  p99 ${fmt(percentile(samples, 99))}  max ${fmt(samples.at(-1) ?? NaN)}`,
  );
}

async function main(): Promise<void> {
  // Apps log decisions through their JSON logger at their level; here nothing may print in the measured loop.
  Logger.overrideLogger(['error']);
  const config = loadConfig();
  const db = new pg.Client({ connectionString: config.pgUrl });
  await db.connect();
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM tenants WHERE name = 'default'`);
  await db.end();
  const tenantId = rows[0]?.id;
  if (!tenantId) throw new Error('no default tenant: run infra.sh up first');

  // One socket: every request, bare or through the gate, reuses the same kept-alive connection.
  const opa = new OpaClient(config.opaUrl, config.policyTimeoutMs, 1);
  const registry = new Registry();
  const metrics = {
    decisions: new Counter({
      name: 'd',
      help: 'd',
      labelNames: ['engine', 'decision'],
      registers: [registry],
    }),
    duration: new Histogram({ name: 'h', help: 'h', labelNames: ['engine'], registers: [registry] }),
  };
  const engines = [
    new OpaEngine(opa, config.opaDecisionPath),
    new FgaEngine({
      apiUrl: config.fgaUrl,
      storeName: config.fgaStoreName,
      timeoutMs: config.policyTimeoutMs,
    }),
  ];
  const uncached = new PolicyGate(engines, { mode: 'enforcing', cacheTtlMs: 0 }, metrics);
  const cached = new PolicyGate(engines, { mode: 'enforcing', cacheTtlMs: 60_000 }, metrics);

  const input = (i: number): PolicyInput => ({
    tenantId,
    principal: { role: 'admin', keyId: null },
    tool: 'code.execute',
    risk: 'high',
    arguments: { language: 'python', code: `print(${i})` },
    requestedBy: 'model',
    context: { classification: 'classified', intent: 'question', sentiment: 'neutral', tags: [] },
    resource: {},
  });
  const check = await uncached.decide(input(0));
  if (check.outcome !== 'allow') throw new Error(`expected allow, got ${JSON.stringify(check)}`);

  console.log(
    `policy gate benchmark (OPA ${config.opaUrl}, OpenFGA ${config.fgaUrl}, ${ITERATIONS} iterations)`,
  );
  await measure('bare OPA decision (same HTTP connection)', ITERATIONS, (i) =>
    opa.evaluate(config.opaDecisionPath, toOpaInput(input(i))),
  );
  await measure('gate uncached (OPA + OpenFGA in parallel)', ITERATIONS, (i) => uncached.decide(input(i)));
  await cached.decide(input(7));
  await measure('gate cached (same input)', ITERATIONS, () => cached.decide(input(7)));
  console.log('targets: gate p99 ≤ 4 ms uncached, ≤ 0.5 ms cached');
  opa.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
