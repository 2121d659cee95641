import { type DataSource } from 'typeorm';
import { APP_ROLE } from '../../../../migrations/1764000013300-audit-chain-and-roles.js';

export { APP_ROLE };

/** The role and password a postgres:// URL connects with. */
export function roleOf(url: string): { role: string; password: string } {
  const parsed = new URL(url);
  return { role: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}

/**
 * Provisioning, as the owner, before migrations: the role SOMA_PG_URL names can log in with its password and is
 * nothing more (no superuser, no role or database creation). Its privileges come from the role `soma_app` (the
 * migration grants them); a role of another name is made a member of it by `grantAppRole` after the migrations.
 * Returns a warning when the apps would connect as the owner itself.
 */
export async function ensureAppLogin(owner: DataSource, appUrl: string): Promise<string | undefined> {
  const { role, password } = roleOf(appUrl);
  const [me] = await owner.query<{ name: string }[]>('SELECT current_user AS name');
  if (role === me?.name)
    return `SOMA_PG_URL connects as the owner ${role}: the apps could rewrite the audit trail (docs/audit.md)`;
  const exists = (await owner.query<unknown[]>('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).length;
  const [statement] = await owner.query<{ sql: string }[]>(
    `SELECT format('%s ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD %L', $3::text, $1::text, $2::text) AS sql`,
    [role, password, exists ? 'ALTER' : 'CREATE'],
  );
  if (statement) await owner.query(statement.sql);
  return undefined;
}

/** After the migrations: a login role not named soma_app gets soma_app's privileges through membership. */
export async function grantAppRole(owner: DataSource, appUrl: string): Promise<void> {
  const { role } = roleOf(appUrl);
  const [me] = await owner.query<{ name: string }[]>('SELECT current_user AS name');
  if (role === APP_ROLE || role === me?.name) return;
  const [statement] = await owner.query<{ sql: string }[]>(
    `SELECT format('GRANT %I TO %I', $1::text, $2::text) AS sql`,
    [APP_ROLE, role],
  );
  if (statement) await owner.query(statement.sql);
}

/**
 * At every app's boot: the role it connects as must not be able to rewrite the audit trail (UPDATE, DELETE,
 * TRUNCATE, or own the table and so ALTER or DROP it). Throws with what to do otherwise.
 */
export async function assertCannotRewriteAudit(dataSource: DataSource): Promise<void> {
  const [row] = await dataSource.query<{ role: string; present: boolean; can_rewrite: boolean }[]>(
    `SELECT current_user AS role, to_regclass('public.audit_events') IS NOT NULL AS present,
       CASE WHEN to_regclass('public.audit_events') IS NULL THEN false ELSE
         has_table_privilege('public.audit_events', 'UPDATE') OR has_table_privilege('public.audit_events', 'DELETE')
         OR has_table_privilege('public.audit_events', 'TRUNCATE')
         OR pg_has_role((SELECT relowner FROM pg_class WHERE oid = 'public.audit_events'::regclass), 'USAGE')
       END AS can_rewrite`,
  );
  if (!row?.present) throw new Error('audit_events is missing: run the migrations (npm run infra:up)');
  if (row.can_rewrite)
    throw new Error(
      `SOMA_PG_URL connects as ${row.role}, which can rewrite or drop audit_events: connect the apps as the ` +
        `application role (${APP_ROLE}; SOMA_PG_OWNER_URL is for migrations only), see docs/audit.md`,
    );
}
