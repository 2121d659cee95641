import { requiredText } from '../../args/options.js';
import { type CommandSpec } from '../../cli.contract.js';
import { json } from '../../output/format.js';

/** Override (runs the call once, audited) or reject (the session is told) a requeue item; admin keys only. */
const resolve = (action: 'override' | 'reject', summary: string): CommandSpec => ({
  name: `requeue ${action}`,
  summary,
  positionals: ['itemId'],
  options: {
    reason: { type: 'string', valueName: 'text', description: 'why (required; kept in the audit log)' },
  },
  async run({ api, json: asJson, values, args, io }) {
    const reason = requiredText(values, 'reason');
    const result = await api.resolveRequeueItem(args[0] ?? '', action, reason);
    io.stdout(asJson ? json(result) : `${result.id} ${result.status} (tool call ${result.toolCallId})\n`);
  },
});

export const requeueOverride = resolve('override', 'run a blocked call once, with an audited grant (admin)');
export const requeueReject = resolve('reject', 'reject a blocked call; the session is told (admin)');
