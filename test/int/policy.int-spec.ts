import {
  FgaEngine,
  fgaModelFromDsl,
  OpaClient,
  OpaEngine,
  PolicyGate,
  TenantSettingsLoader,
  type PolicyInput,
} from '#soma/policy';
import { createDataSource } from '#soma/persistence';
import { loadConfig } from '#soma/platform';
import { OpenFgaClient, type TupleKey } from '@openfga/sdk';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Histogram, Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/apps.js';
import { defaultTenantId } from '../support/db.js';

const config = loadConfig();
const registry = new Registry();
const metrics = {
  decisions: new Counter({ name: 'd', help: 'd', labelNames: ['engine', 'decision'], registers: [registry] }),
  duration: new Histogram({ name: 'h', help: 'h', labelNames: ['engine'], registers: [registry] }),
};
const opa = new OpaClient(config.opaUrl, 500);
const fga = new FgaEngine({ apiUrl: config.fgaUrl, storeName: config.fgaStoreName, timeoutMs: 500 });

const input = (tenantId: string, overrides: Partial<PolicyInput> = {}): PolicyInput => ({
  tenantId,
  principal: { role: 'user', keyId: null },
  tool: 'web.search',
  risk: 'low',
  arguments: { query: randomUUID() },
  requestedBy: 'model',
  context: { classification: 'classified', intent: 'question', sentiment: 'neutral', tags: [] },
  resource: {},
  ...overrides,
});

afterAll(() => {
  opa.close();
});

describe('OpenFGA model (opa/fga/model.fga) against the real OpenFGA', () => {
  it('answers every check of opa/fga/model.tests.json in a fresh store', async () => {
    const spec = JSON.parse(readFileSync(join(ROOT, 'opa', 'fga', 'model.tests.json'), 'utf8')) as {
      tuples: TupleKey[];
      checks: { user: string; relation: string; object: string; allowed: boolean }[];
    };
    const model = fgaModelFromDsl(readFileSync(join(ROOT, 'opa', 'fga', 'model.fga'), 'utf8'));
    const root = new OpenFgaClient({ apiUrl: config.fgaUrl });
    const { id: storeId } = await root.createStore({ name: `soma-model-test-${randomUUID()}` });
    try {
      const { authorization_model_id } = await new OpenFgaClient({
        apiUrl: config.fgaUrl,
        storeId,
      }).writeAuthorizationModel(model);
      const store = new OpenFgaClient({
        apiUrl: config.fgaUrl,
        storeId,
        authorizationModelId: authorization_model_id,
      });
      await store.writeTuples(spec.tuples);
      for (const check of spec.checks) {
        const { allowed } = await store.check({
          user: check.user,
          relation: check.relation,
          object: check.object,
        });
        expect({ ...check, allowed }).toEqual(check);
      }
    } finally {
      await new OpenFgaClient({ apiUrl: config.fgaUrl, storeId }).deleteStore();
    }
  });
});

describe('PolicyGate against the real OPA and OpenFGA', () => {
  it('allows a provisioned tenant, caches the decision, and denies an unknown tenant with reasons', async () => {
    const gate = new PolicyGate(
      [new OpaEngine(opa, config.opaDecisionPath), fga],
      { mode: 'enforcing', cacheTtlMs: 5000 },
      metrics,
    );
    const tenantId = await defaultTenantId();
    const call = input(tenantId);
    const first = await gate.decide(call);
    expect(first).toMatchObject({ outcome: 'allow', cached: false, mode: 'enforcing' });
    expect(first.engines.map((e) => e.engine)).toEqual(['opa', 'openfga']);
    expect((await gate.decide(call)).cached).toBe(true);
    const stranger = await gate.decide(input(randomUUID()));
    expect(stranger).toMatchObject({ outcome: 'deny', ruleIds: ['fga.tenant_can_use'], transient: false });
  });

  it('fails closed when an engine is unreachable, and canary mode allows but marks the decision', async () => {
    const dead = new OpaClient('http://127.0.0.1:9', 300);
    const tenantId = await defaultTenantId();
    const enforcing = new PolicyGate(
      [new OpaEngine(dead, config.opaDecisionPath), fga],
      { mode: 'enforcing', cacheTtlMs: 5000 },
      metrics,
    );
    const call = input(tenantId);
    const blocked = await enforcing.decide(call);
    expect(blocked).toMatchObject({ outcome: 'deny', transient: true, ruleIds: ['opa.unavailable'] });
    // Failures are not cached: the same input asks again.
    expect(
      (await enforcing.decide(input(tenantId, { arguments: blocked.engines[0] ? {} : {} }))).cached,
    ).toBe(false);
    const canary = new PolicyGate(
      [new OpaEngine(dead, config.opaDecisionPath), fga],
      { mode: 'canary', cacheTtlMs: 0 },
      metrics,
    );
    const allowed = await canary.decide(input(tenantId));
    expect(allowed).toMatchObject({ outcome: 'allow', mode: 'canary', transient: false });
    expect(allowed.ruleIds).toEqual(['policy.canary_allowed', 'opa.unavailable']);
    dead.close();
  });

  it('canary mode never caches an allow that exists only because of canary, and counts each as would_block', async () => {
    const dead = new OpaClient('http://127.0.0.1:9', 300);
    const tenantId = await defaultTenantId();
    const wouldBlock = async (): Promise<number> =>
      (await metrics.decisions.get()).values.find(
        (v) => v.labels.engine === 'gate' && v.labels.decision === 'would_block',
      )?.value ?? 0;
    const before = await wouldBlock();
    // An engine error and a real OPA deny (bash from a user), each asked twice with a cache that would keep them.
    const failing = new PolicyGate(
      [new OpaEngine(dead, config.opaDecisionPath), fga],
      { mode: 'canary', cacheTtlMs: 60_000 },
      metrics,
    );
    const denying = new PolicyGate(
      [new OpaEngine(opa, config.opaDecisionPath), fga],
      { mode: 'canary', cacheTtlMs: 60_000 },
      metrics,
    );
    const bash = input(tenantId, {
      tool: 'code.execute',
      risk: 'high',
      arguments: { language: 'bash', code: 'true' },
    });
    for (const [gate, call] of [
      [failing, input(tenantId)],
      [denying, bash],
    ] as const) {
      const first = await gate.decide(call);
      const second = await gate.decide(call);
      expect(first).toMatchObject({ outcome: 'allow', mode: 'canary', wouldBe: 'deny', cached: false });
      expect(second).toMatchObject({ outcome: 'allow', wouldBe: 'deny', cached: false });
    }
    expect(await wouldBlock()).toBe(before + 4);
    // A real allow in canary mode is cached as usual.
    const plain = input(tenantId);
    await denying.decide(plain);
    expect(await denying.decide(plain)).toMatchObject({ outcome: 'allow', cached: true });
    expect((await denying.decide(plain)).wouldBe).toBeUndefined();
    dead.close();
  });
});

describe('OpaEngine when OPA holds no tenant settings (as after a restart)', () => {
  it('reloads them from PostgreSQL before deciding, and fails (transient) when it cannot', async () => {
    const dataSource = await createDataSource(config.pgUrl).initialize();
    const loader = new TenantSettingsLoader(dataSource, opa);
    try {
      const tenantId = await defaultTenantId();
      await fetch(`${config.opaUrl}/v1/data/soma/settings_loaded`, { method: 'DELETE' });
      let reloads = 0;
      const engine = new OpaEngine(opa, config.opaDecisionPath, async () => {
        reloads++;
        return loader.loadAll();
      });
      const verdict = await engine.evaluate(input(tenantId));
      expect(verdict.outcome).toBe('allow');
      expect(reloads).toBe(1);
      const { opa: held, postgres } = await loader.revisions();
      expect(held).toBe(postgres);

      // Without a way to reload, the engine refuses to decide: the gate blocks the call as transient.
      await fetch(`${config.opaUrl}/v1/data/soma/settings_loaded`, { method: 'DELETE' });
      const gate = new PolicyGate(
        [new OpaEngine(opa, config.opaDecisionPath), fga],
        { mode: 'enforcing', cacheTtlMs: 0 },
        metrics,
      );
      const blocked = await gate.decide(input(tenantId));
      expect(blocked).toMatchObject({ outcome: 'deny', transient: true, ruleIds: ['opa.unavailable'] });
    } finally {
      await loader.loadAll();
      await dataSource.destroy();
    }
  });
});

describe('FgaEngine and a newly written authorization model', () => {
  it('uses the store’s latest model after the refresh interval, and at once after invalidate()', async () => {
    const dsl = readFileSync(join(ROOT, 'opa', 'fga', 'model.fga'), 'utf8');
    const storeName = `soma-model-refresh-${randomUUID()}`;
    const { id: storeId } = await new OpenFgaClient({ apiUrl: config.fgaUrl }).createStore({
      name: storeName,
    });
    const store = new OpenFgaClient({ apiUrl: config.fgaUrl, storeId });
    try {
      const tenantId = randomUUID();
      const first = await store.writeAuthorizationModel(fgaModelFromDsl(dsl));
      await new OpenFgaClient({
        apiUrl: config.fgaUrl,
        storeId,
        authorizationModelId: first.authorization_model_id,
      }).writeTuples([
        { user: `tenant:${tenantId}`, relation: 'tenant', object: 'tool:web.search' },
        { user: `tenant:${tenantId}`, relation: 'approval_required', object: 'tool:web.search' },
      ]);
      // A model in which approval_required no longer means needs_approval.
      const relaxed = fgaModelFromDsl(
        dsl.replace(
          'define needs_approval: approval_required but not approved',
          'define needs_approval: approved',
        ),
      );
      expect(JSON.stringify(relaxed)).not.toBe(JSON.stringify(fgaModelFromDsl(dsl)));

      const engine = new FgaEngine({
        apiUrl: config.fgaUrl,
        storeName,
        timeoutMs: 2000,
        modelRefreshMs: 500,
      });
      expect((await engine.evaluate(input(tenantId))).outcome).toBe('require_approval');
      await store.writeAuthorizationModel(relaxed);
      // Within the interval the engine keeps the model it resolved…
      expect((await engine.evaluate(input(tenantId))).outcome).toBe('require_approval');
      await new Promise((resolve) => setTimeout(resolve, 600));
      // …after it, the latest one decides, without a restart.
      expect((await engine.evaluate(input(tenantId))).outcome).toBe('allow');

      const slow = new FgaEngine({
        apiUrl: config.fgaUrl,
        storeName,
        timeoutMs: 2000,
        modelRefreshMs: 3_600_000,
      });
      expect((await slow.evaluate(input(tenantId))).outcome).toBe('allow');
      await store.writeAuthorizationModel(fgaModelFromDsl(dsl));
      expect((await slow.evaluate(input(tenantId))).outcome).toBe('allow');
      slow.invalidate();
      expect((await slow.evaluate(input(tenantId))).outcome).toBe('require_approval');
    } finally {
      await store.deleteStore();
    }
  });
});
