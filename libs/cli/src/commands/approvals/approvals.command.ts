import { type ToolApprovalAnswerBody } from '#soma/client';
import { requiredText, stringOption } from '../../args/options.js';
import { type CommandSpec } from '../../cli.contract.js';
import { UsageError } from '../../cli.errors.js';
import { json, oneLine, table } from '../../output/format.js';
import { fetchListing, moreLine, pageOptions } from '../pages/page-options.js';

/** The tool calls of a session that wait for its user (approval in the chat). */
export const approvalsList: CommandSpec = {
  name: 'approvals list',
  summary: "list a session's tool calls waiting for your approval",
  positionals: ['sessionId'],
  options: {
    status: {
      type: 'string',
      valueName: 'status',
      description: 'pending (default), approved, edited, rejected, expired',
    },
    ...pageOptions(200),
  },
  async run({ api, json: asJson, values, args, io }) {
    const status = stringOption(values, 'status');
    const page = await fetchListing(values, 200, (params) => api.approvals(args[0] ?? '', status, params));
    if (asJson) {
      io.stdout(json(page));
      return;
    }
    const rows = page.items.map((a) => [
      a.toolCallId,
      a.status,
      a.tool,
      oneLine(JSON.stringify(a.arguments), 50),
      oneLine(a.reasons.join('; '), 50),
      a.expiresAt,
    ]);
    io.stdout(
      table(['TOOL CALL', 'STATUS', 'TOOL', 'ARGUMENTS', 'REASONS', 'EXPIRES'], rows) + moreLine(page),
    );
  },
};

const answer = (
  decision: ToolApprovalAnswerBody['decision'],
  summary: string,
  options: CommandSpec['options'],
  body: (values: Parameters<CommandSpec['run']>[0]['values']) => ToolApprovalAnswerBody,
): CommandSpec => ({
  name: `approvals ${decision}`,
  summary,
  positionals: ['sessionId', 'toolCallId'],
  options,
  async run({ api, json: asJson, values, args, io }) {
    const result = await api.answerApproval(args[0] ?? '', args[1] ?? '', body(values));
    io.stdout(asJson ? json(result) : `${result.toolCallId} ${result.status}\n`);
  },
});

export const approvalsApprove = answer('approve', 'run a waiting tool call as the model asked', {}, () => ({
  decision: 'approve',
}));

export const approvalsEdit = answer(
  'edit',
  'run a waiting tool call with other arguments (checked against its schema, then policy)',
  { arguments: { type: 'string', valueName: 'json', description: 'the new arguments, a JSON object' } },
  (values) => ({ decision: 'edit', arguments: jsonObject(requiredText(values, 'arguments')) }),
);

export const approvalsReject = answer(
  'reject',
  'do not run a waiting tool call; the model reads your message as its result',
  { message: { type: 'string', valueName: 'text', description: 'what the model reads (required)' } },
  (values) => ({ decision: 'reject', message: requiredText(values, 'message') }),
);

function jsonObject(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError('--arguments must be a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UsageError('--arguments must be a JSON object');
  return Object.fromEntries(Object.entries(parsed));
}
