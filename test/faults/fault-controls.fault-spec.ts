/**
 * The fault controls themselves, against the real services: each fault is in place when its control resolves
 * (calls hang or are refused), and undoing it (thaw, or the project's own infra.sh up) brings the service back.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  freezePostgres,
  freezeRedis,
  kafkaAnswers,
  killKafka,
  kafkaPid,
  postgresAnswers,
  postgresPid,
  redisAnswers,
  redisPid,
  restartInfra,
  stopPostgres,
  stopRedis,
  thawPostgres,
  thawRedis,
} from '../support/faults.js';

describe('fault controls', () => {
  afterAll(async () => {
    // Whatever failed above, leave the infrastructure running for the next file.
    await thawPostgres().catch(() => undefined);
    await thawRedis().catch(() => undefined);
    if (!(await postgresAnswers()) || !(await redisAnswers()) || !(await kafkaAnswers()))
      await restartInfra();
  });

  it('freezes and thaws PostgreSQL and Redis: calls hang while frozen and answer after', async () => {
    expect(await postgresAnswers()).toBe(true);
    expect(await redisAnswers()).toBe(true);

    const frozenPg = await freezePostgres();
    expect(await postgresAnswers(1500)).toBe(false);
    const thawedPg = await thawPostgres();
    expect(await postgresAnswers()).toBe(true);

    const frozenRedis = await freezeRedis();
    expect(await redisAnswers(1500)).toBe(false);
    const thawedRedis = await thawRedis();
    expect(await redisAnswers()).toBe(true);
    console.info(
      `fault controls: freeze/thaw postgres ${frozenPg}/${thawedPg} ms, redis ${frozenRedis}/${thawedRedis} ms`,
    );
  });

  it('stops PostgreSQL and Redis and kills Kafka; infra.sh up brings all three back', async () => {
    expect(await kafkaAnswers()).toBe(true);
    const pids = { postgres: postgresPid(), redis: redisPid(), kafka: kafkaPid() };

    const pgStop = await stopPostgres();
    const redisStop = await stopRedis();
    const kafkaKill = await killKafka();
    expect(await postgresAnswers(1000)).toBe(false);
    expect(await redisAnswers(1000)).toBe(false);
    expect(await kafkaAnswers(2000)).toBe(false);

    const restart = await restartInfra();
    expect(await postgresAnswers()).toBe(true);
    expect(await redisAnswers()).toBe(true);
    expect(await kafkaAnswers()).toBe(true);
    // New processes, found again through the pid files infra.sh rewrote.
    expect(postgresPid()).not.toBe(pids.postgres);
    expect(redisPid()).not.toBe(pids.redis);
    expect(kafkaPid()).not.toBe(pids.kafka);
    console.info(
      `fault controls: stop postgres ${pgStop} ms, stop redis ${redisStop} ms, kill kafka ${kafkaKill} ms, infra.sh up ${restart} ms`,
    );
  });
});
