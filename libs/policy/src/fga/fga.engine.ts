import { ConsistencyPreference, OpenFgaClient, type UserClientConfigurationParams } from '@openfga/sdk';
import { type EngineVerdict, type PolicyEngine, type PolicyInput } from '../policy-input.contract.js';
import { PolicyError } from '../policy.errors.js';

export interface FgaEngineOptions {
  apiUrl: string;
  /** The store is found by name (provisioning creates it and loads the model from opa/fga). */
  storeName: string;
  timeoutMs: number;
  /** How long a resolved model id is used before the store's latest model is read again (default 10 s). */
  modelRefreshMs?: number;
}

export const FGA_MODEL_REFRESH_MS = 10_000;

/** Finds a store id by name, paging through the store list. */
export async function findStoreId(client: OpenFgaClient, name: string): Promise<string | undefined> {
  let continuationToken: string | undefined;
  do {
    const page = await client.listStores({ pageSize: 100, continuationToken });
    const store = page.stores.find((candidate) => candidate.name === name);
    if (store) return store.id;
    continuationToken = page.continuation_token || undefined;
  } while (continuationToken);
  return undefined;
}

/** A client of the named store bound to its latest model; fails fast (no retries, the given timeout). */
export async function connectFgaStore({
  apiUrl,
  storeName,
  timeoutMs,
}: FgaEngineOptions): Promise<OpenFgaClient> {
  const common: UserClientConfigurationParams = {
    apiUrl,
    // Fail fast: the gate turns an unreachable engine into a blocked, requeued call.
    retryParams: { maxRetry: 0 },
    baseOptions: { timeout: timeoutMs },
  };
  const root = new OpenFgaClient(common);
  const storeId = await findStoreId(root, storeName);
  if (!storeId) throw new PolicyError('FGA_STORE_NOT_FOUND', `OpenFGA store "${storeName}" not found`);
  const model = await new OpenFgaClient({ ...common, storeId }).readLatestAuthorizationModel();
  const modelId = model.authorization_model?.id;
  if (!modelId) throw new PolicyError('FGA_STORE_NOT_FOUND', `OpenFGA store "${storeName}" has no model`);
  return new OpenFgaClient({ ...common, storeId, authorizationModelId: modelId });
}

/**
 * Relationships: may this tenant use this tool (`can_use`), and do its calls need approval (`needs_approval`)?
 * Both checks go out in parallel. The store and its latest model are resolved on first use, again after a
 * failure (so the engine recovers when OpenFGA comes back), again every `modelRefreshMs` (so a newly written
 * authorization model takes effect without a restart), and at once after `invalidate()`.
 */
export class FgaEngine implements PolicyEngine {
  readonly name = 'openfga' as const;
  private client: Promise<OpenFgaClient> | undefined;
  private resolvedAt = 0;
  private readonly refreshMs: number;

  constructor(private readonly options: FgaEngineOptions) {
    this.refreshMs = options.modelRefreshMs ?? FGA_MODEL_REFRESH_MS;
  }

  async evaluate(input: PolicyInput, options: { fresh?: boolean } = {}): Promise<EngineVerdict> {
    const client = await this.resolve();
    const user = `tenant:${input.tenantId}`;
    const object = `tool:${input.tool}`;
    // OpenFGA's check cache can answer from before a revocation for about a second; a fresh check skips it.
    const consistency = options.fresh ? { consistency: ConsistencyPreference.HigherConsistency } : {};
    const [canUse, needsApproval] = await Promise.all([
      client.check({ user, relation: 'can_use', object }, consistency),
      client.check({ user, relation: 'needs_approval', object }, consistency),
    ]);
    if (!canUse.allowed) {
      return {
        outcome: 'deny',
        ruleIds: ['fga.tenant_can_use'],
        reasons: [`this tenant has no can_use relation to tool ${input.tool}`],
      };
    }
    if (needsApproval.allowed) {
      return {
        outcome: 'require_approval',
        ruleIds: ['fga.needs_approval'],
        reasons: [`this tenant's calls of ${input.tool} need an admin's approval`],
        approver: 'admin',
      };
    }
    return { outcome: 'allow', ruleIds: ['fga.tenant_can_use'], reasons: [`tenant may use ${input.tool}`] };
  }

  /** Reads the store's latest model again before the next check. */
  invalidate(): void {
    this.client = undefined;
  }

  private resolve(): Promise<OpenFgaClient> {
    const now = performance.now();
    if (this.client && now - this.resolvedAt < this.refreshMs) return this.client;
    const previous = this.client;
    this.resolvedAt = now;
    const next: Promise<OpenFgaClient> = this.connect().catch((error: unknown) => {
      // A failed refresh keeps the model in use (tried again after the interval); a failed first resolve is
      // forgotten, so the next check tries again.
      if (previous) return previous;
      if (this.client === next) this.client = undefined;
      throw error;
    });
    this.client = next;
    return next;
  }

  private connect(): Promise<OpenFgaClient> {
    return connectFgaStore(this.options);
  }
}
