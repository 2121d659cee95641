import { type OpenFgaClient, type TupleKey } from '@openfga/sdk';
import { connectFgaStore, type FgaEngineOptions } from './fga.engine.js';

/** A tool a tenant may use; `approvalRequired`: every call of it waits for an admin's approval. */
export interface ToolGrant {
  tool: string;
  approvalRequired: boolean;
}

const TOOL = 'tool:';

/**
 * A tenant's tool grants as OpenFGA relationships (`tenant` and `approval_required` on `tool:<name>`), the same
 * ones the gate checks. Replacing the grants writes and deletes only the difference, in one write.
 */
export class FgaTenantToolGrants {
  constructor(private readonly options: FgaEngineOptions) {}

  async read(tenantId: string): Promise<ToolGrant[]> {
    return toGrants(await this.tuples(await connectFgaStore(this.options), tenantId));
  }

  async replace(tenantId: string, grants: ToolGrant[]): Promise<ToolGrant[]> {
    const client = await connectFgaStore(this.options);
    const user = `tenant:${tenantId}`;
    const wanted = grants.flatMap(({ tool, approvalRequired }): TupleKey[] => [
      { user, relation: 'tenant', object: `${TOOL}${tool}` },
      ...(approvalRequired ? [{ user, relation: 'approval_required', object: `${TOOL}${tool}` }] : []),
    ]);
    const present = await this.tuples(client, tenantId);
    const key = (t: TupleKey) => `${t.relation}|${t.object}`;
    const presentKeys = new Set(present.map(key));
    const wantedKeys = new Set(wanted.map(key));
    const writes = wanted.filter((t) => !presentKeys.has(key(t)));
    const deletes = present.filter((t) => !wantedKeys.has(key(t)));
    if (writes.length > 0 || deletes.length > 0) await client.write({ writes, deletes });
    return toGrants(wanted);
  }

  /** Grants tools to the tenant (no approval), keeping every other grant: an MCP server's tools at registration. */
  async grant(tenantId: string, tools: readonly string[]): Promise<void> {
    const client = await connectFgaStore(this.options);
    const present = new Set((await this.tuples(client, tenantId)).map((t) => `${t.relation}|${t.object}`));
    const writes = tools
      .map((tool): TupleKey => ({ user: `tenant:${tenantId}`, relation: 'tenant', object: `${TOOL}${tool}` }))
      .filter((t) => !present.has(`${t.relation}|${t.object}`));
    if (writes.length > 0) await client.write({ writes });
  }

  /** Takes tools away from the tenant (grant and approval tuples): an MCP server's tools at deletion. */
  async revoke(tenantId: string, tools: readonly string[]): Promise<void> {
    const client = await connectFgaStore(this.options);
    const gone = new Set(tools.map((tool) => `${TOOL}${tool}`));
    const deletes = (await this.tuples(client, tenantId)).filter((t) => gone.has(t.object));
    if (deletes.length > 0) await client.write({ deletes });
  }

  /** Every grant tuple of the tenant (relations on tools only), all pages. */
  private async tuples(client: OpenFgaClient, tenantId: string): Promise<TupleKey[]> {
    const found: TupleKey[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await client.read(
        { user: `tenant:${tenantId}`, object: TOOL },
        { pageSize: 100, continuationToken },
      );
      for (const { key } of page.tuples) {
        if (key.relation === 'tenant' || key.relation === 'approval_required')
          found.push({ user: key.user, relation: key.relation, object: key.object });
      }
      continuationToken = page.continuation_token || undefined;
    } while (continuationToken);
    return found;
  }
}

function toGrants(tuples: TupleKey[]): ToolGrant[] {
  const toolOf = (tuple: TupleKey) => tuple.object.slice(TOOL.length);
  const gated = new Set(tuples.filter((t) => t.relation === 'approval_required').map(toolOf));
  return tuples
    .filter((t) => t.relation === 'tenant')
    .map((t) => ({ tool: toolOf(t), approvalRequired: gated.has(toolOf(t)) }))
    .sort((a, b) => a.tool.localeCompare(b.tool));
}
