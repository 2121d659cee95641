import { Logger } from '@nestjs/common';
import { inSpan, SpanKind } from '#soma/platform';
import { type EngineDecision, type PolicyDecision } from '#soma/contracts';
import { type Counter, type Histogram } from 'prom-client';
import { combineDecisions, type PolicyMode } from './combine-decisions.js';
import { DecisionCache, decisionKey } from './decision.cache.js';
import { type PolicyEngine, type PolicyInput } from './policy-input.contract.js';

export interface PolicyGateOptions {
  mode: PolicyMode;
  cacheTtlMs: number;
}

export interface PolicyMetrics {
  decisions: Counter<'engine' | 'decision'>;
  duration: Histogram<'engine'>;
}

/**
 * The one door every tool call passes: OPA and OpenFGA asked in parallel, decisions cached briefly,
 * fail-closed unless in canary mode. Usable from any app (the executor before running a tool, the worker
 * before requesting one and before memory writes).
 */
export class PolicyGate {
  private readonly logger = new Logger(PolicyGate.name);
  private readonly cache: DecisionCache;

  constructor(
    private readonly engines: readonly PolicyEngine[],
    private readonly options: PolicyGateOptions,
    private readonly metrics: PolicyMetrics,
  ) {
    this.cache = new DecisionCache(options.cacheTtlMs);
  }

  get mode(): PolicyMode {
    return this.options.mode;
  }

  /**
   * Decides a call. `fresh` skips the cache (the decision is still cached for others): for a call that carries a
   * grant, which must be checked against the engines as they are now, not as they were a moment ago.
   */
  decide(input: PolicyInput, options: { fresh?: boolean } = {}): Promise<PolicyDecision> {
    return inSpan(
      'policy.decide',
      { attributes: { 'gen_ai.tool.name': input.tool, 'soma.policy.mode': this.options.mode } },
      async (span) => {
        const decision = await this.decideOnce(input, options);
        span.setAttributes({
          'soma.policy.decision': decision.outcome,
          'soma.policy.cached': decision.cached,
          'soma.policy.rule_ids': [...decision.ruleIds],
        });
        return decision;
      },
    );
  }

  private async decideOnce(input: PolicyInput, options: { fresh?: boolean }): Promise<PolicyDecision> {
    const started = performance.now();
    const key = decisionKey(input);
    const hit = options.fresh ? undefined : this.cache.get(key);
    let decision: PolicyDecision;
    if (hit) {
      decision = { ...hit, cached: true };
    } else {
      const verdicts = await Promise.all(
        this.engines.map((engine) => this.ask(engine, input, options.fresh === true)),
      );
      decision = combineDecisions(verdicts, this.options.mode);
      // An allow that exists only because of canary mode is never cached: each such call is asked, logged
      // and counted again, so `would_block` counts calls, not cache misses.
      if (!decision.transient && decision.wouldBe === undefined) this.cache.set(key, decision);
      this.log(input, decision);
    }
    if (decision.wouldBe !== undefined)
      this.metrics.decisions.inc({ engine: 'gate', decision: 'would_block' });
    this.metrics.decisions.inc({ engine: 'gate', decision: decision.outcome });
    this.metrics.duration.observe({ engine: 'gate' }, (performance.now() - started) / 1000);
    return decision;
  }

  /**
   * Forgets cached decisions and what the engines resolved (OpenFGA's model id), after a policy or relationship
   * change that must apply at once (called on the tenant policy invalidation, see docs/policy.md).
   */
  invalidate(): void {
    this.cache.clear();
    for (const engine of this.engines) engine.invalidate?.();
  }

  /** One engine's verdict, in a CLIENT span of its own (`policy opa`, `policy openfga`). */
  private ask(engine: PolicyEngine, input: PolicyInput, fresh: boolean): Promise<EngineDecision> {
    return inSpan(
      `policy ${engine.name}`,
      {
        kind: SpanKind.CLIENT,
        attributes: { 'soma.policy.engine': engine.name, 'gen_ai.tool.name': input.tool },
      },
      async (span) => {
        const decision = await this.askOnce(engine, input, fresh);
        span.setAttributes({
          'soma.policy.decision': decision.outcome,
          'soma.policy.rule_ids': [...decision.ruleIds],
        });
        return decision;
      },
    );
  }

  private async askOnce(engine: PolicyEngine, input: PolicyInput, fresh: boolean): Promise<EngineDecision> {
    const started = performance.now();
    let decision: EngineDecision;
    try {
      const verdict = await engine.evaluate(input, { fresh });
      decision = { engine: engine.name, ...verdict, durationMs: performance.now() - started };
    } catch (error) {
      decision = {
        engine: engine.name,
        outcome: 'error',
        ruleIds: [`${engine.name}.unavailable`],
        reasons: [
          `${engine.name} could not decide (${(error as Error).message}); the call is blocked and retried`,
        ],
        durationMs: performance.now() - started,
      };
    }
    this.metrics.decisions.inc({ engine: engine.name, decision: decision.outcome });
    this.metrics.duration.observe({ engine: engine.name }, decision.durationMs / 1000);
    return decision;
  }

  private log(input: PolicyInput, decision: PolicyDecision): void {
    const entry = {
      msg: 'policy decision',
      tenantId: input.tenantId,
      tool: input.tool,
      outcome: decision.outcome,
      mode: decision.mode,
      transient: decision.transient,
      ruleIds: decision.ruleIds,
      reasons: decision.reasons,
      wouldBe: decision.wouldBe,
    };
    if (decision.outcome === 'allow' && decision.mode === 'enforcing') this.logger.debug?.(entry);
    else this.logger.warn(entry);
  }
}
