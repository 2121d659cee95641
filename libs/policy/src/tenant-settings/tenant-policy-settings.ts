import { Injectable } from '@nestjs/common';
import { TenantPolicySettingsEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';

/** A tenant's policy settings: what OPA holds as data.soma.tenants[<tenant id>] (snake_case there). */
export interface TenantPolicySettings {
  /** Host names http.fetch may reach; "*.example.org" matches its subdomains. */
  egressHosts: string[];
  /** Address ranges (CIDR) http.fetch may connect to beyond the public internet. */
  allowedCidrs: string[];
  /** Ports http.fetch may connect to. */
  allowedPorts: number[];
  /** Tools switched off for the tenant. */
  disabledTools: string[];
  /** Tools whose model-requested calls the session's own user approves in the chat. */
  userApprovalTools: string[];
}

/** What a tenant without a stored row gets. */
export const DEFAULT_TENANT_POLICY_SETTINGS: Readonly<TenantPolicySettings> = Object.freeze({
  egressHosts: [],
  allowedCidrs: [],
  allowedPorts: [80, 443],
  disabledTools: [],
  userApprovalTools: [],
});

export function settingsOf(row: TenantPolicySettingsEntity | null): TenantPolicySettings {
  if (!row) {
    const d = DEFAULT_TENANT_POLICY_SETTINGS;
    return {
      egressHosts: [...d.egressHosts],
      allowedCidrs: [...d.allowedCidrs],
      allowedPorts: [...d.allowedPorts],
      disabledTools: [...d.disabledTools],
      userApprovalTools: [...d.userApprovalTools],
    };
  }
  return {
    egressHosts: row.egressHosts,
    allowedCidrs: row.allowedCidrs,
    allowedPorts: row.allowedPorts,
    disabledTools: row.disabledTools,
    userApprovalTools: row.userApprovalTools,
  };
}

const CACHE_TTL_MS = 5000;

/**
 * Reads a tenant's settings from PostgreSQL (the defaults when it has none). Cached for a few seconds per
 * tenant; a change clears the cache on every instance (the tenant-policy invalidation, see docs/policy.md).
 */
@Injectable()
export class TenantPolicySettingsReader {
  private readonly cache = new Map<string, { settings: Promise<TenantPolicySettings>; expires: number }>();

  constructor(private readonly dataSource: DataSource) {}

  get(tenantId: string): Promise<TenantPolicySettings> {
    const now = performance.now();
    const hit = this.cache.get(tenantId);
    if (hit && hit.expires > now) return hit.settings;
    const settings = this.dataSource
      .getRepository(TenantPolicySettingsEntity)
      .findOneBy({ tenantId })
      .then(settingsOf);
    this.cache.set(tenantId, { settings, expires: now + CACHE_TTL_MS });
    // A failed read is not remembered.
    void settings.catch(() => {
      if (this.cache.get(tenantId)?.settings === settings) this.cache.delete(tenantId);
    });
    return settings;
  }

  /** Forgets one tenant's settings, or every tenant's. */
  forget(tenantId?: string): void {
    if (tenantId) this.cache.delete(tenantId);
    else this.cache.clear();
  }
}
