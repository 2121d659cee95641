import { Injectable, Logger } from '@nestjs/common';
import { TenantPolicySettingsEntity } from '#soma/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { OpaClient } from '../opa/opa.client.js';
import { settingsOf, type TenantPolicySettings } from './tenant-policy-settings.js';

/**
 * One lock orders every write of tenant policy settings and every load into OPA, so a load always sees the
 * latest committed rows and a slow load cannot overwrite a newer one (policy changes are rare: one lock is
 * enough).
 */
export const TENANT_SETTINGS_LOCK = 7_310_018;

export async function lockTenantSettings(manager: EntityManager): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1)', [TENANT_SETTINGS_LOCK]);
}

/** The marker a load leaves in OPA (data.soma.settings_loaded): policy.rego refuses to decide without it. */
export interface SettingsMarker {
  revision: number;
  tenants: number;
  loaded_at: string;
}

/** Rego uses snake_case, as policies conventionally do. */
export function toOpaSettings(settings: TenantPolicySettings): Record<string, unknown> {
  return {
    egress_hosts: settings.egressHosts,
    allowed_cidrs: settings.allowedCidrs,
    allowed_ports: settings.allowedPorts,
    disabled_tools: settings.disabledTools,
    user_approval_tools: settings.userApprovalTools,
  };
}

/**
 * Loads every tenant's settings from PostgreSQL into OPA (data.soma.tenants, one write) and then the marker.
 * OPA keeps data in memory only: whoever asks OPA to decide reloads when OPA lacks the marker (it restarted)
 * or holds an older revision than PostgreSQL (a push was missed). See docs/policy.md.
 */
@Injectable()
export class TenantSettingsLoader {
  private readonly logger = new Logger(TenantSettingsLoader.name);
  private inFlight: Promise<SettingsMarker> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly opa: OpaClient,
  ) {}

  /** Loads all tenants; concurrent callers share one load. */
  loadAll(): Promise<SettingsMarker> {
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** The revision OPA holds (null: no marker, OPA has no settings) and the one PostgreSQL holds. */
  async revisions(): Promise<{ opa: number | null; postgres: number }> {
    const [marker, rows] = await Promise.all([
      this.opa.read('soma/settings_loaded'),
      this.dataSource.query<{ revision: string | null }[]>(
        'SELECT max(revision) AS revision FROM tenant_policy_settings',
      ),
    ]);
    const opa = (marker as Partial<SettingsMarker> | undefined)?.revision;
    return { opa: typeof opa === 'number' ? opa : null, postgres: Number(rows[0]?.revision ?? 0) };
  }

  /** Reloads when OPA's revision is not PostgreSQL's; true when it did. */
  async reconcile(): Promise<boolean> {
    const { opa, postgres } = await this.revisions();
    if (opa === postgres) return false;
    const marker = await this.loadAll();
    this.logger.log({ msg: 'tenant policy settings reloaded into OPA', was: opa, ...marker });
    return true;
  }

  private load(): Promise<SettingsMarker> {
    return this.dataSource.transaction(async (manager) => {
      await lockTenantSettings(manager);
      const rows = await manager.find(TenantPolicySettingsEntity);
      const tenants = Object.fromEntries(rows.map((row) => [row.tenantId, toOpaSettings(settingsOf(row))]));
      const marker: SettingsMarker = {
        revision: rows.reduce((max, row) => Math.max(max, row.revision), 0),
        tenants: rows.length,
        loaded_at: new Date().toISOString(),
      };
      await this.opa.write('soma/tenants', tenants);
      await this.opa.write('soma/settings_loaded', marker);
      return marker;
    });
  }
}
