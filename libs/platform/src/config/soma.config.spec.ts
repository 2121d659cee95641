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

describe('SOMA_ADMIN_API_KEY', () => {
  it('refuses a bootstrap key shorter than 32 characters at boot', () => {
    expect(() => loadConfig({ SOMA_ADMIN_API_KEY: 'admin123' })).toThrow(
      /SOMA_ADMIN_API_KEY must be at least 32 characters \(got 8\)/,
    );
    expect(loadConfig({ SOMA_ADMIN_API_KEY: 'k'.repeat(32) }).adminApiKey).toBe('k'.repeat(32));
  });
});

describe('SOMA_GATEWAY_OPS_PORT', () => {
  it('defaults to the public port + 1000 and may never be the public port', () => {
    expect(loadConfig({}).gatewayOpsPort).toBe(4000);
    expect(loadConfig({ SOMA_GATEWAY_PORT: '3100' }).gatewayOpsPort).toBe(4100);
    expect(loadConfig({ SOMA_GATEWAY_OPS_PORT: '9464' }).gatewayOpsPort).toBe(9464);
    expect(() => loadConfig({ SOMA_GATEWAY_PORT: '3000', SOMA_GATEWAY_OPS_PORT: '3000' })).toThrow(
      /SOMA_GATEWAY_OPS_PORT must differ/,
    );
  });
});

describe('SOMA_TRUST_PROXY', () => {
  it('believes no proxy by default, and takes a hop count or proxy addresses', () => {
    expect(loadConfig({}).trustProxy).toBeUndefined();
    expect(loadConfig({ SOMA_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ SOMA_TRUST_PROXY: 'loopback, 10.0.0.0/8, 192.0.2.7' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      '192.0.2.7',
    ]);
    expect(() => loadConfig({ SOMA_TRUST_PROXY: 'true' })).toThrow(/SOMA_TRUST_PROXY must be a hop count/);
    expect(() => loadConfig({ SOMA_TRUST_PROXY: '0' })).toThrow(/SOMA_TRUST_PROXY as a hop count/);
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
