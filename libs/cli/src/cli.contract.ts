import { type SomaApi } from '#soma/client';

/** Where the CLI writes and what it was given; main.ts passes the process's own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Aborted on SIGINT/SIGTERM: long commands (tail, replay) stop cleanly. */
  signal: AbortSignal;
}

export type OptionSpec =
  | { type: 'string'; short?: string; description: string; valueName?: string }
  | { type: 'boolean'; short?: string; description: string };

export type OptionValues = Record<string, string | boolean | undefined>;

/** What a command gets: the API, its parsed flags and positionals, and where to write. */
export interface CommandContext {
  api: SomaApi;
  baseUrl: string;
  json: boolean;
  values: OptionValues;
  args: string[];
  io: CliIo;
}

export interface CommandSpec {
  /** The words that name it: `sessions list`. */
  name: string;
  summary: string;
  /** Positional arguments by name, all required: `['sessionId']`. */
  positionals: string[];
  options: Record<string, OptionSpec>;
  run(context: CommandContext): Promise<void>;
}
