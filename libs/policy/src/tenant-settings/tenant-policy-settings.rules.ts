import { isIP } from 'node:net';
import { parseCidr } from '#soma/platform';
import { PolicyError, type PolicyFieldError } from '../policy.errors.js';
import { DEFAULT_TENANT_POLICY_SETTINGS, type TenantPolicySettings } from './tenant-policy-settings.js';

export const MAX_SETTINGS_ENTRIES = 100;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const TOOL = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;

function hostProblem(host: string): string | null {
  if (host.length === 0 || host.length > 253) return 'must be 1 to 253 characters';
  if (isIP(host) !== 0) return null;
  const name = host.startsWith('*.') ? host.slice(2) : host;
  return name.split('.').every((label) => LABEL.test(label))
    ? null
    : 'must be a host name (labels of a-z, 0-9 and -), "*.<domain>", or an IP address';
}

function cidrProblem(cidr: string): string | null {
  try {
    parseCidr(cidr);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

function portProblem(port: number): string | null {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? null : 'must be an integer from 1 to 65535';
}

function toolProblem(tool: string): string | null {
  return tool.length <= 100 && TOOL.test(tool) ? null : 'must be a tool name such as "http.fetch"';
}

function checked<T>(
  field: keyof TenantPolicySettings,
  values: readonly T[] | undefined,
  problem: (value: T) => string | null,
  problems: PolicyFieldError[],
): T[] | undefined {
  if (values === undefined) return undefined;
  if (values.length > MAX_SETTINGS_ENTRIES)
    problems.push({ field, errors: [`at most ${MAX_SETTINGS_ENTRIES} entries`] });
  values.forEach((value, index) => {
    const error = problem(value);
    if (error) problems.push({ field: `${field}[${index}]`, errors: [`${JSON.stringify(value)} ${error}`] });
  });
  return [...new Set(values)];
}

/**
 * The settings a PUT asks for, checked and normalised (host names lower-cased, duplicates dropped, ports
 * sorted); a field left out takes its default. Throws TENANT_POLICY_INVALID naming every bad field.
 */
export function tenantPolicySettingsFrom(input: Partial<TenantPolicySettings>): TenantPolicySettings {
  const problems: PolicyFieldError[] = [];
  const hosts = input.egressHosts?.map((host) => host.trim().toLowerCase().replace(/\.$/, ''));
  const cidrs = input.allowedCidrs?.map((cidr) => cidr.trim());
  const settings: TenantPolicySettings = {
    egressHosts: checked('egressHosts', hosts, hostProblem, problems) ?? [],
    allowedCidrs: checked('allowedCidrs', cidrs, cidrProblem, problems) ?? [],
    allowedPorts: (
      checked('allowedPorts', input.allowedPorts, portProblem, problems) ?? [
        ...DEFAULT_TENANT_POLICY_SETTINGS.allowedPorts,
      ]
    ).sort((a, b) => a - b),
    disabledTools: checked('disabledTools', input.disabledTools, toolProblem, problems) ?? [],
    userApprovalTools: checked('userApprovalTools', input.userApprovalTools, toolProblem, problems) ?? [],
  };
  if (problems.length > 0) {
    throw new PolicyError(
      'TENANT_POLICY_INVALID',
      problems.map((p) => `${p.field}: ${p.errors.join(', ')}`).join('; '),
      {},
      problems,
    );
  }
  return settings;
}
