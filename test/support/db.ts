/** Direct PostgreSQL access for assertions about what was (or was not) persisted, as the apps' role. */
import pg from 'pg';

export async function withDb<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: process.env.SOMA_PG_URL ?? 'postgres://soma_app:soma_app@127.0.0.1:15432/soma',
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function defaultTenantId(): Promise<string> {
  return withDb(async (client) => {
    const { rows } = await client.query<{ id: string }>(`SELECT id FROM tenants WHERE name = 'default'`);
    if (!rows[0]) throw new Error('no default tenant: run infra.sh up (provisioning)');
    return rows[0].id;
  });
}

/**
 * As the owner of the tables (SOMA_PG_OWNER_URL: migrations, provisioning), for tests that play someone with
 * database ownership tampering with what the apps cannot touch.
 */
export async function withOwnerDb<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: process.env.SOMA_PG_OWNER_URL ?? 'postgres://soma:soma@127.0.0.1:15432/soma',
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
