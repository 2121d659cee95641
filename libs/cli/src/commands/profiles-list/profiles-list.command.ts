import { type CommandSpec } from '../../cli.contract.js';
import { json, table } from '../../output/format.js';

export const profilesList: CommandSpec = {
  name: 'profiles list',
  summary: 'list the model profiles',
  positionals: [],
  options: {},
  async run({ api, json: asJson, io }) {
    const profiles = await api.modelProfiles();
    if (asJson) {
      io.stdout(json(profiles));
      return;
    }
    const rows = profiles.map((p) => [
      p.name + (p.isDefault ? ' *' : ''),
      p.id,
      `${p.provider}:${p.model}`,
      `t=${p.temperature} max=${p.maxTokens ?? '-'} ctx=${p.contextWindow ?? '-'}`,
      p.tools.length ? `${p.tools.join(',')} (${p.toolChoice})` : '-',
    ]);
    io.stdout(table(['NAME', 'ID', 'MODEL', 'SAMPLING', 'TOOLS'], rows) + '(* default)\n');
  },
};
