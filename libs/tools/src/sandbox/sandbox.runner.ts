import { spawn } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type SandboxLanguage = 'python' | 'node' | 'bash';

export interface SandboxLimits {
  /** Wall clock; the whole process tree is killed when it passes. */
  timeoutMs: number;
  /** Address space (RLIMIT_AS) in MiB. Node gets more: V8 reserves ~1 GiB of address space at start. */
  memoryMb: number;
  /** RLIMIT_NPROC for the sandbox uid. */
  maxProcesses: number;
  /** RLIMIT_FSIZE: the largest file a program may write. */
  maxFileMb: number;
  maxOpenFiles: number;
  /** Bytes kept of stdout and of stderr each; the rest is dropped and `truncated` set. */
  outputCapBytes: number;
}

export interface SandboxResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
  durationMs: number;
}

export interface SandboxOptions {
  bwrapPath: string;
  /** Host folder holding one private folder per run (work and tmp), removed afterwards. */
  root: string;
  /** The unprivileged uid (and gid) programs run as when the executor runs as root. */
  uid: number;
}

const RUNTIMES: Record<SandboxLanguage, { file: string; argv: (file: string) => string[]; extraMb: number }> =
  {
    python: { file: 'main.py', argv: (file) => ['/usr/bin/python3', '-I', file], extraMb: 0 },
    node: {
      file: 'main.js',
      argv: (file) => ['/usr/bin/node', '--max-old-space-size=192', file],
      extraMb: 768,
    },
    bash: { file: 'main.sh', argv: (file) => ['/usr/bin/bash', '--noprofile', '--norc', file], extraMb: 0 },
  };

/** The bwrap arguments: no network (own namespaces), read-only /usr, a read-only root, private work and tmp. */
export function bwrapArgs(work: string, tmp: string): string[] {
  return [
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'sandbox',
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/bin',
    '/bin',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--symlink',
    'usr/sbin',
    '/sbin',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--bind',
    work,
    '/work',
    '--bind',
    tmp,
    '/tmp',
    '--remount-ro',
    '/',
    '--remount-ro',
    '/dev',
    '--chdir',
    '/work',
    '--clearenv',
    '--setenv',
    'PATH',
    '/usr/local/bin:/usr/bin:/bin',
    '--setenv',
    'HOME',
    '/work',
    '--setenv',
    'TMPDIR',
    '/tmp',
    '--setenv',
    'LANG',
    'C.UTF-8',
  ];
}

/** The full command line: tie to the executor, drop to the sandbox uid, set rlimits, bound the wall clock, bwrap. */
export function sandboxCommand(
  options: SandboxOptions,
  limits: SandboxLimits,
  language: SandboxLanguage,
  work: string,
  tmp: string,
  asRoot: boolean,
): string[] {
  const runtime = RUNTIMES[language];
  const mib = 1024 * 1024;
  // One second of CPU more than of wall clock: the wall clock is the limit that normally fires.
  const seconds = Math.ceil(limits.timeoutMs / 1000) + 1;
  const drop = asRoot
    ? [`--reuid=${options.uid}`, `--regid=${options.uid}`, '--clear-groups', '--no-new-privs']
    : [];
  return [
    // The program dies with its executor, even one killed by -9: the kernel kills `timeout` when the executor
    // dies, and bwrap (--die-with-parent) the program with it. An interrupted call's program never runs on.
    '/usr/bin/setpriv',
    '--pdeathsig=KILL',
    ...drop,
    '/usr/bin/prlimit',
    `--cpu=${seconds}`,
    `--as=${(limits.memoryMb + runtime.extraMb) * mib}`,
    `--nproc=${limits.maxProcesses}`,
    `--fsize=${limits.maxFileMb * mib}`,
    `--nofile=${limits.maxOpenFiles}`,
    '--core=0',
    '--',
    '/usr/bin/timeout',
    '--signal=KILL',
    `${limits.timeoutMs / 1000}s`,
    options.bwrapPath,
    ...bwrapArgs(work, tmp),
    '--',
    ...runtime.argv(runtime.file),
  ];
}

/** Runs untrusted programs in bubblewrap under an unprivileged uid with CPU, memory, process and file limits. */
export class SandboxRunner {
  constructor(private readonly options: SandboxOptions) {}

  async run(
    language: SandboxLanguage,
    code: string,
    stdin: string,
    limits: SandboxLimits,
    /** Kills the program's whole process group at once when it aborts (the call was withdrawn). */
    signal?: AbortSignal,
  ): Promise<SandboxResult> {
    const asRoot = process.getuid?.() === 0;
    await mkdir(this.options.root, { recursive: true, mode: 0o711 });
    const dir = await mkdtemp(join(this.options.root, 'run-'));
    try {
      const work = join(dir, 'work');
      const tmp = join(dir, 'tmp');
      await chmod(dir, 0o711);
      await mkdir(work, { mode: 0o700 });
      await mkdir(tmp, { mode: 0o700 });
      await writeFile(join(work, RUNTIMES[language].file), code, { mode: 0o644 });
      if (asRoot) {
        for (const path of [work, tmp, join(work, RUNTIMES[language].file)]) {
          await chown(path, this.options.uid, this.options.uid);
        }
      }
      const argv = sandboxCommand(this.options, limits, language, work, tmp, asRoot);
      return await this.spawn(argv, stdin, limits, signal);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private spawn(
    argv: string[],
    stdin: string,
    limits: SandboxLimits,
    withdrawn: AbortSignal | undefined,
  ): Promise<SandboxResult> {
    const [command, ...args] = argv as [string, ...string[]];
    const started = performance.now();
    return new Promise((resolve, reject) => {
      // Own process group and a minimal environment: nothing of the executor's leaks, all of it can be killed.
      const child = spawn(command, args, {
        detached: true,
        env: { PATH: '/usr/bin:/bin' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const stdout = new CappedBuffer(limits.outputCapBytes);
      const stderr = new CappedBuffer(limits.outputCapBytes);
      let timedOut = false;
      const killGroup = (): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      // Backstop for `timeout`: the executor's own clock kills the whole group shortly after the limit.
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, limits.timeoutMs + 1000);
      if (withdrawn?.aborted) killGroup();
      else withdrawn?.addEventListener('abort', killGroup, { once: true });
      child.stdout.on('data', (chunk: Buffer) => {
        stdout.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr.push(chunk);
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (exitCode, signal) => {
        clearTimeout(timer);
        withdrawn?.removeEventListener('abort', killGroup);
        killGroup();
        const durationMs = performance.now() - started;
        // At the limit timeout(1) SIGKILLs its process group, itself included (or exits 124/137).
        const atLimit = durationMs >= limits.timeoutMs - 50;
        const killedAtLimit = atLimit && (signal === 'SIGKILL' || exitCode === 124 || exitCode === 137);
        resolve({
          exitCode,
          signal,
          stdout: stdout.text(),
          stderr: stderr.text(),
          truncated: stdout.truncated || stderr.truncated,
          timedOut: timedOut || killedAtLimit,
          durationMs,
        });
      });
    });
  }
}

/** Keeps the first `cap` bytes of a stream and counts the rest. */
class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
