import { type TenantPolicyBody, type TenantPolicyView } from '#soma/client';
import { stringOption } from '../../args/options.js';
import { type CommandSpec, type OptionValues } from '../../cli.contract.js';
import { UsageError } from '../../cli.errors.js';
import { json } from '../../output/format.js';

const render = (tenantId: string, p: TenantPolicyView): string => {
  const list = (values: readonly (string | number)[]) => (values.length ? values.join(', ') : '-');
  return [
    `tenant              ${tenantId}`,
    `egress hosts        ${list(p.egressHosts)}`,
    `allowed CIDRs       ${list(p.allowedCidrs)}`,
    `allowed ports       ${list(p.allowedPorts)}`,
    `disabled tools      ${list(p.disabledTools)}`,
    `user approval tools ${list(p.userApprovalTools)}`,
    `updated             ${p.updatedAt ? `${p.updatedAt} by key ${p.updatedBy ?? '-'}` : 'never (defaults)'}`,
    '',
  ].join('\n');
};

/** A comma-separated flag as a list ("" = the empty list), or undefined when the flag was not given. */
function listOption(values: OptionValues, name: string): string[] | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function portsOption(values: OptionValues): number[] | undefined {
  const items = listOption(values, 'allowed-ports');
  return items?.map((item) => {
    if (!/^\d{1,5}$/.test(item)) throw new UsageError(`--allowed-ports: "${item}" is not a port number`);
    return Number(item);
  });
}

export const tenantsPolicyGet: CommandSpec = {
  name: 'tenants policy get',
  summary: "show a tenant's policy settings (operator, or the tenant's admin)",
  positionals: ['tenantId'],
  options: {},
  async run({ api, json: asJson, args, io }) {
    const tenantId = args[0] ?? '';
    const policy = await api.tenantPolicy(tenantId);
    io.stdout(asJson ? json(policy) : render(tenantId, policy));
  },
};

const listFlag = (description: string) =>
  ({ type: 'string', valueName: 'a,b,…', description: `${description} ("" clears)` }) as const;

/** Flags not given keep their current values: the command reads the settings, changes them, writes them. */
export const tenantsPolicySet: CommandSpec = {
  name: 'tenants policy set',
  summary: "change a tenant's policy settings (operator; audited)",
  positionals: ['tenantId'],
  options: {
    'egress-hosts': listFlag('hosts http.fetch may reach, "*.example.org" for subdomains'),
    'allowed-cidrs': listFlag('address ranges http.fetch may connect to'),
    'allowed-ports': listFlag('ports http.fetch may connect to'),
    'disabled-tools': listFlag('tools switched off for the tenant'),
    'user-approval-tools': listFlag("tools whose calls the session's user approves in the chat"),
    reason: { type: 'string', valueName: 'text', description: 'why (kept in the audit log)' },
  },
  async run({ api, json: asJson, values, args, io }) {
    const tenantId = args[0] ?? '';
    const current = await api.tenantPolicy(tenantId);
    const reason = stringOption(values, 'reason');
    const body: TenantPolicyBody = {
      egressHosts: listOption(values, 'egress-hosts') ?? current.egressHosts,
      allowedCidrs: listOption(values, 'allowed-cidrs') ?? current.allowedCidrs,
      allowedPorts: portsOption(values) ?? current.allowedPorts,
      disabledTools: listOption(values, 'disabled-tools') ?? current.disabledTools,
      userApprovalTools: listOption(values, 'user-approval-tools') ?? current.userApprovalTools,
      ...(reason ? { reason } : {}),
    };
    const policy = await api.setTenantPolicy(tenantId, body);
    io.stdout(asJson ? json(policy) : render(tenantId, policy));
  },
};
