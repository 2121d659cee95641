import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { SomaConfig } from '#soma/platform';
import { getToken, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { type Counter, type Histogram } from 'prom-client';
import { FgaEngine } from './fga/fga.engine.js';
import { OpaClient } from './opa/opa.client.js';
import { OpaEngine } from './opa/opa.engine.js';
import { PolicyGate } from './policy.gate.js';
import { GetTenantPolicyHandler } from './queries/get-tenant-policy/get-tenant-policy.handler.js';
import { SetTenantPolicyHandler } from './commands/set-tenant-policy/set-tenant-policy.handler.js';
import { TenantPolicySettingsReader } from './tenant-settings/tenant-policy-settings.js';
import { TenantSettingsInvalidation } from './tenant-settings/tenant-settings.invalidation.js';
import { TenantSettingsLoader } from './tenant-settings/tenant-settings.loader.js';
import { TenantSettingsSync } from './tenant-settings/tenant-settings.sync.js';

export const POLICY_DURATION_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.05, 0.25, 1,
];

const opaClientProvider = {
  provide: OpaClient,
  inject: [SomaConfig],
  useFactory: (config: SomaConfig) => new OpaClient(config.opaUrl, config.policyTimeoutMs),
};

/**
 * The policy gate for any app: `imports: [PolicyModule]`, then inject PolicyGate (and TenantPolicySettingsReader
 * for a tenant's settings). It keeps OPA's copy of the tenants' settings loaded (TenantSettingsSync).
 */
@Module({
  providers: [
    TenantPolicySettingsReader,
    TenantSettingsLoader,
    TenantSettingsInvalidation,
    TenantSettingsSync,
    makeCounterProvider({
      name: 'policy_decisions_total',
      help: 'Policy decisions by engine (opa, openfga, or gate for the combined one) and decision; gate would_block counts canary-mode calls enforcing mode would have blocked',
      labelNames: ['engine', 'decision'],
    }),
    makeHistogramProvider({
      name: 'policy_decision_duration_seconds',
      help: 'Policy decision latency by engine (gate = both engines in parallel, or a cache hit)',
      labelNames: ['engine'],
      buckets: POLICY_DURATION_BUCKETS,
    }),
    opaClientProvider,
    {
      provide: PolicyGate,
      inject: [
        SomaConfig,
        OpaClient,
        TenantSettingsLoader,
        getToken('policy_decisions_total'),
        getToken('policy_decision_duration_seconds'),
      ],
      useFactory: (
        config: SomaConfig,
        opa: OpaClient,
        loader: TenantSettingsLoader,
        decisions: Counter<'engine' | 'decision'>,
        duration: Histogram<'engine'>,
      ) =>
        new PolicyGate(
          [
            new OpaEngine(opa, config.opaDecisionPath, () => loader.loadAll()),
            new FgaEngine({
              apiUrl: config.fgaUrl,
              storeName: config.fgaStoreName,
              timeoutMs: config.policyTimeoutMs,
            }),
          ],
          { mode: config.policyMode, cacheTtlMs: config.policyCacheTtlMs },
          { decisions, duration },
        ),
    },
  ],
  exports: [PolicyGate, TenantPolicySettingsReader],
})
export class PolicyModule implements OnApplicationShutdown {
  constructor(private readonly opa: OpaClient) {}

  onApplicationShutdown(): void {
    this.opa.close();
  }
}

const commandHandlers = [SetTenantPolicyHandler];
const queryHandlers = [GetTenantPolicyHandler];

/** What the gateway needs: tenant policy settings read and written (stored, audited, pushed to OPA). */
@Module({
  providers: [
    ...commandHandlers,
    ...queryHandlers,
    opaClientProvider,
    TenantSettingsLoader,
    TenantSettingsInvalidation,
  ],
})
export class TenantPolicyApiModule implements OnApplicationShutdown {
  constructor(private readonly opa: OpaClient) {}

  onApplicationShutdown(): void {
    this.opa.close();
  }
}
