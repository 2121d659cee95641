import { type CommandSpec, type OptionSpec } from '../cli.contract.js';

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: {
    type: 'string',
    valueName: 'url',
    description: 'API base URL (env SOMA_URL; default http://127.0.0.1:3000)',
  },
  key: { type: 'string', valueName: 'key', description: 'API key (env SOMA_API_KEY)' },
  json: { type: 'boolean', description: 'stable JSON on stdout, for scripts' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

const optionLines = (options: Record<string, OptionSpec>): string[] =>
  Object.entries(options).map(([name, spec]) => {
    const flag = `--${name}${spec.type === 'string' ? ` <${spec.valueName ?? 'value'}>` : ''}`;
    return `  ${flag.padEnd(26)} ${spec.description}`;
  });

export function commandUsage(command: CommandSpec): string {
  const positionals = command.positionals.map((p) => ` <${p}>`).join('');
  const lines = [`usage: soma ${command.name}${positionals} [options]`, '', command.summary, ''];
  if (Object.keys(command.options).length > 0) lines.push('options:', ...optionLines(command.options), '');
  lines.push('global options:', ...optionLines(GLOBAL_OPTIONS));
  return lines.join('\n') + '\n';
}

export function generalUsage(commands: CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.length + c.positionals.join('  ').length + 4));
  const rows = commands.map((c) => {
    const head = `${c.name}${c.positionals.map((p) => ` <${p}>`).join('')}`;
    return `  ${head.padEnd(width)} ${c.summary}`;
  });
  return (
    [
      'usage: soma <command> [options]',
      '',
      'commands:',
      ...rows,
      '',
      'global options:',
      ...optionLines(GLOBAL_OPTIONS),
      '',
      'Run `soma <command> --help` for the options of a command.',
      'Exit codes: 0 ok, 1 API or network error, 2 usage error.',
    ].join('\n') + '\n'
  );
}
