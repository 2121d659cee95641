/**
 * Provisioning, run by `infra:up` after the services are ready: Kafka topics, database migrations,
 * the default tenant and its bootstrap admin key, the OpenFGA store with its model and tuples. Idempotent.
 */
import { allTopicSpecs } from '#soma/contracts';
import { ensureBootstrapAdmin } from '#soma/identity';
import { createDataSource, ensureAppLogin, grantAppRole } from '#soma/persistence';
import { loadConfig } from '#soma/platform';
import { Kafka, logLevel } from 'kafkajs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { provisionOpenFga } from './openfga.provision.js';

async function ensureTopics(brokers: string[]): Promise<number> {
  const admin = new Kafka({ clientId: 'soma-provision', brokers, logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = allTopicSpecs().filter((spec) => !existing.has(spec.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: 1,
          configEntries: spec.retentionMs ? [{ name: 'retention.ms', value: String(spec.retentionMs) }] : [],
        })),
      });
    }
    // Every partition must have a leader before any app starts producing.
    const names = allTopicSpecs().map((spec) => spec.name);
    for (let attempt = 0; attempt < 50; attempt++) {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      if (topics.every((topic) => topic.partitions.every((p) => p.leader >= 0))) return missing.length;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('topics have no leader after 10 s');
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const stateDir = process.env.SOMA_STATE_DIR ?? join(process.cwd(), '.soma');
  const created = await ensureTopics(config.kafkaBrokers);
  console.log(`  topics: ${allTopicSpecs().length} declared, ${created} created`);

  // Migrations run as the owner of the tables; the apps connect as the application role (docs/audit.md).
  const dataSource = await createDataSource(config.pgOwnerUrl ?? config.pgUrl).initialize();
  try {
    const warning = await ensureAppLogin(dataSource, config.pgUrl);
    if (warning) console.warn(`  warning: ${warning}`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    await grantAppRole(dataSource, config.pgUrl);
    console.log(`  migrations: ${applied.length} applied; apps connect as ${new URL(config.pgUrl).username}`);
    const { createdKey, tenantId, note } = await ensureBootstrapAdmin(dataSource, config.adminApiKey);
    console.log(`  admin key: ${note}`);
    if (createdKey) {
      mkdirSync(stateDir, { recursive: true });
      const file = join(stateDir, 'admin-api-key');
      writeFileSync(file, `${createdKey}\n`, { mode: 0o600 });
      console.log(`  bootstrap admin API key (shown once, also saved to ${file}):\n    ${createdKey}`);
    }
    console.log(
      `  openfga: ${await provisionOpenFga(process.cwd(), config.fgaUrl, config.fgaStoreName, tenantId)}`,
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(
    `provision failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
