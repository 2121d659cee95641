import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './soma.config.js';

describe('loadConfig', () => {
  it('has working defaults on loopback', () => {
    const config = loadConfig({});
    expect(config.gatewayPort).toBe(3000);
    expect(config.gatewayHost).toBe('127.0.0.1');
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:19092']);
    expect(config.adminApiKey).toBeUndefined();
  });

  it('lists every bad value at once', () => {
    let error: unknown;
    try {
      loadConfig({ SOMA_GATEWAY_PORT: 'http', SOMA_LOG_LEVEL: 'loud', SOMA_KAFKA_BROKERS: 'a,,b' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(
      /SOMA_GATEWAY_PORT[\s\S]*SOMA_LOG_LEVEL[\s\S]*SOMA_KAFKA_BROKERS|SOMA_/,
    );
  });
});

describe('SOMA_EGRESS_ALLOW_CIDRS', () => {
  it('is empty by default and takes a comma list of CIDRs', () => {
    expect(loadConfig({}).egressAllowCidrs).toEqual([]);
    expect(loadConfig({ SOMA_EGRESS_ALLOW_CIDRS: '127.0.0.77/32, fd00::/8' }).egressAllowCidrs).toEqual([
      '127.0.0.77/32',
      'fd00::/8',
    ]);
  });

  it('stops boot on a value that is not a CIDR', () => {
    expect(() => loadConfig({ SOMA_EGRESS_ALLOW_CIDRS: '10.0.0.0/8,localhost' })).toThrow(
      /SOMA_EGRESS_ALLOW_CIDRS must be a comma list of CIDRs .*"localhost"/,
    );
  });
});

describe('client stream bounds', () => {
  it('default to pages of 500 events, 1 MiB unread, 30 s to drain', () => {
    const config = loadConfig({});
    expect(config.streamReplayPageSize).toBe(500);
    expect(config.streamMaxBufferBytes).toBe(1024 * 1024);
    expect(config.streamDrainTimeoutMs).toBe(30_000);
  });

  it('stops boot on values out of range, listing each', () => {
    expect(() =>
      loadConfig({
        SOMA_STREAM_REPLAY_PAGE_SIZE: '0',
        SOMA_STREAM_MAX_BUFFER_BYTES: '1kb',
        SOMA_STREAM_DRAIN_TIMEOUT_MS: '-1',
      }),
    ).toThrow(
      /SOMA_STREAM_REPLAY_PAGE_SIZE[\s\S]*SOMA_STREAM_MAX_BUFFER_BYTES[\s\S]*SOMA_STREAM_DRAIN_TIMEOUT_MS/,
    );
  });
});
