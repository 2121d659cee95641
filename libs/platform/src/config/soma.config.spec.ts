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
