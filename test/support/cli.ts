/** Runs the built `soma` CLI (bin/soma.js → dist) as a real child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './apps.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when `predicate` holds for the output so far; rejects when the CLI exits first or on timeout. */
  waitForOutput(predicate: (stdout: string) => boolean, timeoutMs: number): Promise<void>;
  exited: Promise<CliResult>;
}

/** Starts `soma <args>`; the key and URL come from the environment unless the args give them. */
export function startCli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): RunningCli {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'soma.js'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<CliResult>((resolve) => {
    child.once('close', (code) => {
      clearTimeout(killer);
      for (const listener of listeners) listener();
      resolve({ code, stdout, stderr });
    });
  });
  return {
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForOutput: (predicate, waitMs) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (predicate(stdout)) done(resolve);
          else if (child.exitCode !== null || child.signalCode !== null)
            done(() => {
              reject(new Error(`the CLI exited (${child.exitCode}) first; stderr: ${stderr}`));
            });
        };
        const timer = setTimeout(() => {
          done(() => {
            reject(new Error(`no such output after ${waitMs} ms; stdout: ${stdout}; stderr: ${stderr}`));
          });
        }, waitMs);
        const done = (finish: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          finish();
        };
        listeners.add(check);
        check();
      }),
  };
}

/** Runs `soma <args>` to its end. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<CliResult> {
  return startCli(args, env, timeoutMs).exited;
}

/** Parses --json output, failing the test with the CLI's stderr when it is not JSON. */
// The type parameter only names what the caller expects the JSON to be.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function jsonOf<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout}\nstderr: ${result.stderr}`);
  }
}
