import { stringOption } from '../../args/options.js';
import { type CommandSpec } from '../../cli.contract.js';
import { json, oneLine, table } from '../../output/format.js';
import { fetchListing, moreLine, pageOptions } from '../pages/page-options.js';

/** Blocked tool calls kept for review (admin keys only). */
export const requeueList: CommandSpec = {
  name: 'requeue list',
  summary: 'list blocked tool calls kept for review (admin)',
  positionals: [],
  options: {
    status: {
      type: 'string',
      valueName: 'status',
      description: 'pending, retrying, overridden, rejected, ... (default: all)',
    },
    session: { type: 'string', valueName: 'id', description: 'only calls of this session' },
    tool: { type: 'string', valueName: 'name', description: 'only calls of this tool' },
    ...pageOptions(200),
  },
  async run({ api, json: asJson, values, io }) {
    const filters = {
      status: stringOption(values, 'status'),
      sessionId: stringOption(values, 'session'),
      tool: stringOption(values, 'tool'),
    };
    const page = await fetchListing(values, 200, (params) => api.requeueItems({ ...filters, ...params }));
    if (asJson) {
      io.stdout(json(page));
      return;
    }
    const rows = page.items.map((item) => [
      item.id,
      item.status,
      item.tool,
      item.sessionId,
      `${item.decision.outcome ?? '?'}${item.decision.ruleIds?.length ? ` [${item.decision.ruleIds.join(', ')}]` : ''}`,
      oneLine(item.reasons.join('; '), 60),
    ]);
    io.stdout(table(['ID', 'STATUS', 'TOOL', 'SESSION', 'DECISION', 'REASONS'], rows));
    io.stdout(`${page.items.length} shown\n${moreLine(page)}`);
  },
};
