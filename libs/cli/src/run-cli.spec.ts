import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

/** Command lines the CLI refuses before any request: usage errors (exit 2) and help (exit 0). */
async function run(argv: string[], env: Record<string, string> = { SOMA_API_KEY: 'k' }) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

describe('runCli command line', () => {
  it.each([
    [['nope'], 'unknown command: nope'],
    [['sessions'], 'unknown command: sessions'],
    [['sessions', 'list', '--frob'], "Unknown option '--frob'"],
    [['sessions', 'show'], 'expected <sessionId>, got none'],
    [['sessions', 'list', 'extra'], 'expected no arguments, got extra'],
    [['sessions', 'list', '--limit', '0'], '--limit must be a whole number ≥ 1 and ≤ 200'],
    [['requeue', 'reject', 'x'], '--reason <text> is required'],
    [['sessions', 'list', '--url', 'ftp://x'], '--url must be an http(s) URL'],
  ])('%j is a usage error', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('usage: soma');
    expect(result.stdout).toBe('');
  });

  it('needs an API key', async () => {
    const result = await run(['profiles', 'list'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SOMA_API_KEY');
  });

  it('prints help on stdout and exits 0, options may come before the command', async () => {
    expect((await run(['--help'])).stdout).toContain('commands:');
    const help = await run(['--json', 'replay', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: soma replay <sessionId>');
    expect(help.stdout).toContain('--live-tools');
  });
});
