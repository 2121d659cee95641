import { describe, expect, it } from 'vitest';
import { PolicyError } from '../policy.errors.js';
import { tenantPolicySettingsFrom } from './tenant-policy-settings.rules.js';

const fieldsOf = (input: Parameters<typeof tenantPolicySettingsFrom>[0]): string[] => {
  try {
    tenantPolicySettingsFrom(input);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).code).toBe('TENANT_POLICY_INVALID');
    return (error as PolicyError).fields.map((f) => f.field);
  }
  return [];
};

describe('tenantPolicySettingsFrom', () => {
  it('fills defaults and normalises (lower-case hosts, no duplicates, sorted ports)', () => {
    expect(tenantPolicySettingsFrom({})).toEqual({
      egressHosts: [],
      allowedCidrs: [],
      allowedPorts: [80, 443],
      disabledTools: [],
      userApprovalTools: [],
    });
    expect(
      tenantPolicySettingsFrom({
        egressHosts: ['Example.ORG.', 'example.org', '*.Example.net', '127.0.0.1', '::1'],
        allowedCidrs: [' 10.0.0.0/8 ', 'fd00::/8'],
        allowedPorts: [8443, 443, 443],
        disabledTools: ['code.execute'],
      }),
    ).toMatchObject({
      egressHosts: ['example.org', '*.example.net', '127.0.0.1', '::1'],
      allowedCidrs: ['10.0.0.0/8', 'fd00::/8'],
      allowedPorts: [443, 8443],
    });
  });

  it('names every bad entry', () => {
    expect(
      fieldsOf({
        egressHosts: ['ok.example.org', 'bad_host', 'a..b', '-x.org', 'https://x.org', '*'],
        allowedCidrs: ['10.0.0.0/8', '10.0.0.0/33', 'x'],
        allowedPorts: [0, 443, 70000, 1.5],
        disabledTools: ['Bad Tool'],
        userApprovalTools: ['web.search', ''],
      }),
    ).toEqual([
      'egressHosts[1]',
      'egressHosts[2]',
      'egressHosts[3]',
      'egressHosts[4]',
      'egressHosts[5]',
      'allowedCidrs[1]',
      'allowedCidrs[2]',
      'allowedPorts[0]',
      'allowedPorts[2]',
      'allowedPorts[3]',
      'disabledTools[0]',
      'userApprovalTools[1]',
    ]);
    expect(fieldsOf({ disabledTools: Array.from({ length: 101 }, (_, i) => `t${i}`) })).toEqual([
      'disabledTools',
    ]);
  });
});
