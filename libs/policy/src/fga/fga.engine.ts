import { ConsistencyPreference, OpenFgaClient, type UserClientConfigurationParams } from '@openfga/sdk';
import { type EngineVerdict, type PolicyEngine, type PolicyInput } from '../policy-input.contract.js';
import { PolicyError } from '../policy.errors.js';

export interface FgaEngineOptions {
  apiUrl: string;
  /** The store is found by name (provisioning creates it and loads the model from opa/fga). */
  storeName: string;
  timeoutMs: number;
}

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
 * Both checks go out in parallel. The store and its latest model are resolved on first use, and again after
 * a failure, so the engine recovers when OpenFGA comes back.
 */
export class FgaEngine implements PolicyEngine {
  readonly name = 'openfga' as const;
  private client: Promise<OpenFgaClient> | undefined;

  constructor(private readonly options: FgaEngineOptions) {}

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

  private resolve(): Promise<OpenFgaClient> {
    this.client ??= this.connect().catch((error: unknown) => {
      this.client = undefined;
      throw error;
    });
    return this.client;
  }

  private connect(): Promise<OpenFgaClient> {
    return connectFgaStore(this.options);
  }
}
