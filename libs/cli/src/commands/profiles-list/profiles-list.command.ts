import { type CommandSpec } from '../../cli.contract.js';
import { json, table } from '../../output/format.js';
import { fetchListing, moreLine, pageOptions } from '../pages/page-options.js';

export const profilesList: CommandSpec = {
  name: 'profiles list',
  summary: 'list the model profiles',
  positionals: [],
  options: pageOptions(200),
  async run({ api, json: asJson, values, io }) {
    const page = await fetchListing(values, 200, (params) => api.modelProfiles(params));
    if (asJson) {
      io.stdout(json(page));
      return;
    }
    const rows = page.items.map((p) => [
      p.name + (p.isDefault ? ' *' : ''),
      p.id,
      `${p.provider}:${p.model}`,
      `t=${p.temperature} max=${p.maxTokens ?? '-'} ctx=${p.contextWindow ?? '-'}`,
      p.tools.length ? `${p.tools.join(',')} (${p.toolChoice})` : '-',
    ]);
    io.stdout(table(['NAME', 'ID', 'MODEL', 'SAMPLING', 'TOOLS'], rows) + '(* default)\n' + moreLine(page));
  },
};
