/**
 * `npm run admin:recover -- --tenant <name>`: the operator's way back when a tenant has no usable admin key.
 * A host command with database access (SOMA_PG_OWNER_URL, else SOMA_PG_URL: source .soma/infra.env), not an HTTP
 * route. Prints a new admin key once and records the audit event `api_key.recovered` (actor operator:recovery).
 * Exit 0 on success, 1 for an unknown tenant or a failure, 2 for a bad command line.
 */
import { recoverTenantAdmin } from '#soma/identity';
import { createDataSource } from '#soma/persistence';
import { loadConfig } from '#soma/platform';
import { parseArgs } from 'node:util';

const USAGE = 'usage: npm run admin:recover -- --tenant <name>';

function tenantArg(argv: string[]): string | undefined {
  try {
    const { values } = parseArgs({ args: argv, options: { tenant: { type: 'string' } }, strict: true });
    const tenant = values.tenant?.trim();
    return tenant === '' ? undefined : tenant;
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  const tenant = tenantArg(process.argv.slice(2));
  if (!tenant) {
    console.error(`error: --tenant <name> is required\n${USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const dataSource = await createDataSource(config.pgOwnerUrl ?? config.pgUrl, {
    extra: { max: 1 },
  }).initialize();
  try {
    const recovered = await recoverTenantAdmin(dataSource, tenant);
    if (!recovered) {
      console.error(`error: no tenant named "${tenant}" (tenants are listed in the tenants table)`);
      return 1;
    }
    console.log(
      [
        `tenant    ${tenant} (${recovered.tenantId})`,
        `key id    ${recovered.keyId}`,
        `audit     ${recovered.auditId} (api_key.recovered by operator:recovery)`,
        `admin key (shown once, store it now):`,
        recovered.key,
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: recovery failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
