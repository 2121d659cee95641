import { SomaApi } from '#soma/client';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { commandUsage, GLOBAL_OPTIONS, generalUsage } from './args/usage.js';
import { describeFailure, EXIT_OK, EXIT_USAGE, UsageError } from './cli.errors.js';
import { type CliIo, type CommandSpec, type OptionSpec, type OptionValues } from './cli.contract.js';
import { COMMANDS } from './commands.js';

const DEFAULT_URL = 'http://127.0.0.1:3000';
type Options = NonNullable<ParseArgsConfig['options']>;

const toParseArgs = (options: Record<string, OptionSpec>): Options =>
  Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [
      name,
      spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short },
    ]),
  );

/** The command named by the leading words of the positionals (flags may come anywhere). */
function findCommand(argv: string[]): CommandSpec | undefined {
  const every: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const command of COMMANDS) Object.assign(every, command.options);
  const { positionals } = parseArgs({
    args: argv,
    options: toParseArgs(every),
    strict: false,
    allowPositionals: true,
  });
  return COMMANDS.find((c) => {
    const words = c.name.split(' ');
    return words.every((word, i) => positionals[i] === word);
  });
}

/** Runs one command line; resolves to the process exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const command = findCommand(argv);
  let usage = generalUsage(COMMANDS);
  try {
    if (!command) {
      if (argv.length === 0 || argv.every((a) => a === '--help' || a === '-h')) {
        (argv.length === 0 ? io.stderr : io.stdout)(usage);
        return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
      }
      const words = argv
        .filter((a) => !a.startsWith('-'))
        .slice(0, 2)
        .join(' ');
      throw new UsageError(`unknown command: ${words === '' ? argv.join(' ') : words}`, usage);
    }
    usage = commandUsage(command);
    let parsed: { values: OptionValues; positionals: string[] };
    try {
      parsed = parseArgs({
        args: argv,
        options: toParseArgs({ ...GLOBAL_OPTIONS, ...command.options }),
        strict: true,
        allowPositionals: true,
      }) as { values: OptionValues; positionals: string[] };
    } catch (error) {
      throw new UsageError((error as Error).message.split(/\n| To specify/)[0] ?? 'bad arguments', usage);
    }
    const { values } = parsed;
    if (values.help === true) {
      io.stdout(usage);
      return EXIT_OK;
    }
    const args = parsed.positionals.slice(command.name.split(' ').length);
    if (args.length !== command.positionals.length) {
      const expected = command.positionals.map((p) => `<${p}>`).join(' ') || 'no arguments';
      throw new UsageError(`expected ${expected}, got ${args.length === 0 ? 'none' : args.join(' ')}`, usage);
    }
    const key = (typeof values.key === 'string' ? values.key : undefined) ?? io.env.SOMA_API_KEY;
    if (!key) throw new UsageError('no API key: pass --key <key> or set SOMA_API_KEY', usage);
    const baseUrl = (
      (typeof values.url === 'string' ? values.url : undefined) ??
      io.env.SOMA_URL ??
      DEFAULT_URL
    )
      .trim()
      .replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+/.test(baseUrl))
      throw new UsageError(`--url must be an http(s) URL, got ${baseUrl}`);
    const api = new SomaApi(baseUrl, key);
    await command.run({ api, baseUrl, json: values.json === true, values, args, io });
    return EXIT_OK;
  } catch (error) {
    const failure = describeFailure(error);
    io.stderr(`${failure.message}\n`);
    if (error instanceof UsageError) io.stderr(`\n${error.usage ?? usage}`);
    return failure.exitCode;
  }
}
