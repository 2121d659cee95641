import { Logger } from '@nestjs/common';
import { inSpan, type SomaConfig } from '#soma/platform';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CgroupJail, detectCgroupVersion, type CgroupVersion, type RunCgroup } from './sandbox-cgroup.js';
import {
  JAIL_TASKS,
  JOIN_FAILED,
  languageProgram,
  MIB,
  PROGRAM_FD,
  SECCOMP_FD,
  sandboxCommand,
  type JailProgram,
  type SandboxLanguage,
  type SandboxLimits,
} from './sandbox-command.js';
import { CappedBuffer, capJsonText, TailBuffer } from './sandbox-output.js';
import { buildSeccompFilter, DENIED_SYSCALLS, seccompSupported } from './sandbox-seccomp.js';
import { UidPool } from './sandbox-uid-pool.js';

export type { JailProgram, SandboxLanguage, SandboxLimits };

export interface SandboxResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
  /** The run's cgroup limits the kernel enforced (an OOM kill, a refused fork). */
  limitsHit: ('memory' | 'pids')[];
  durationMs: number;
  /** Where it ran: its uid (null: the executor's own, degraded) and cgroup directories (removed by now). */
  jail: { uid: number | null; cgroup: string[] };
}

export type SandboxJailMode = 'enforcing' | 'degraded';

/** How a session's program is doing, for the reason of a failure. */
export interface JailDiagnosis {
  uid: number | null;
  /** "exited <code or signal> after <ms> ms" (and why, when we killed it), or "still running". */
  exit: string;
  /** The cgroup limits the kernel enforced on it (an OOM kill, a refused fork). */
  limitsHit: ('memory' | 'pids')[];
  /** The last SESSION_STDERR_BYTES of its stderr. */
  stderr: string;
}

/** A session's jail as `use` sees it. */
export interface JailSession {
  diagnosis(): Promise<JailDiagnosis>;
}

/** Bytes of a session program's stderr kept (the end of it: where a crash says why). */
export const SESSION_STDERR_BYTES = 8192;

export interface SandboxOptions {
  bwrapPath: string;
  /** enforcing: refuse to run without every part of the jail; degraded: run without the missing parts, loudly. */
  mode: SandboxJailMode;
  /** Runs get uids (and gids) uidBase .. uidBase + uidPoolSize - 1, one per run at a time. */
  uidBase: number;
  uidPoolSize: number;
  /** How long a run waits for a free uid before SANDBOX_BUSY. */
  poolWaitMs: number;
  /** The cgroup file system (v2: one hierarchy; v1: one per controller under it) and the runs' parent cgroup. */
  cgroupFs: string;
  cgroupParent: string;
}

/** What the runner found at start-up: the parts of the jail it has, and what is missing. */
export interface JailStatus {
  mode: SandboxJailMode;
  cgroup: CgroupVersion | null;
  uidPool: { base: number; size: number } | null;
  seccomp: boolean;
  /** Empty when the whole jail is in place. */
  missing: string[];
}

/** The executor refuses to start: the jail is incomplete in enforcing mode. */
export class SandboxJailError extends Error {
  constructor(readonly missing: string[]) {
    super(
      `sandbox jail incomplete, refusing to run code (SOMA_SANDBOX_JAIL=enforcing):\n  - ${missing.join('\n  - ')}`,
    );
  }
}

/** What the start-up probe checks inside a real run: the program's own view of its uid, seccomp and caps. */
const PROBE = 'grep -E "^(Uid|CapEff|NoNewPrivs|Seccomp):" /proc/self/status';
const PROBE_LIMITS: SandboxLimits = {
  timeoutMs: 5000,
  memoryMb: 64,
  runMemoryMb: 128,
  maxProcesses: 32,
  cpuPercent: 100,
  diskMb: 1,
  maxFileMb: 1,
  maxOpenFiles: 32,
  outputCapBytes: 4096,
};

/**
 * Runs untrusted programs in a jail per run: its own cgroup (memory, pids, CPU for the whole run), its own uid
 * from a pool, size-limited tmpfs for /work and /tmp, no new namespaces, no capabilities and a seccomp filter,
 * inside bubblewrap with no network. It checks at start that it has all of it and refuses to run without, unless
 * the degraded mode was chosen.
 */
export class SandboxRunner {
  private readonly logger = new Logger(SandboxRunner.name);
  private readonly pool: UidPool;
  private readonly seccompProgram: Buffer | null;
  private cgroups: CgroupJail | null = null;
  private verified: Promise<JailStatus> | undefined;

  constructor(private readonly options: SandboxOptions) {
    this.pool = new UidPool(options.uidBase, options.uidPoolSize, options.poolWaitMs);
    this.seccompProgram = seccompSupported() ? buildSeccompFilter() : null;
  }

  /** The jail's status, checked once (a real probe run included); throws SandboxJailError in enforcing mode. */
  verify(): Promise<JailStatus> {
    this.verified ??= this.check();
    return this.verified;
  }

  private async check(): Promise<JailStatus> {
    const missing: string[] = [];
    const root = process.getuid?.() === 0;
    const status: JailStatus = {
      mode: this.options.mode,
      cgroup: null,
      uidPool: null,
      seccomp: false,
      missing,
    };
    for (const tool of [this.options.bwrapPath, '/usr/bin/setpriv', '/usr/bin/prlimit', '/usr/bin/timeout']) {
      if (!existsSync(tool)) missing.push(`${tool} not found`);
    }
    if (root) {
      const { uidBase: base, uidPoolSize: size } = this.options;
      if (base > 0) status.uidPool = { base, size };
      else missing.push('uid pool: SOMA_SANDBOX_UID_BASE must not include uid 0');
    } else {
      missing.push(
        `uid pool: the executor runs as uid ${process.getuid?.()}, not root: it cannot give runs their own uid`,
      );
    }
    const version = detectCgroupVersion(this.options.cgroupFs);
    if (typeof version === 'string') {
      const jail = new CgroupJail(version, this.options.cgroupFs, this.options.cgroupParent);
      try {
        await jail.prepare();
        const probe = await jail.create(`probe-${process.pid}-${Date.now()}`, {
          memoryBytes: 64 * MIB,
          pids: 8,
          cpuPercent: 50,
        });
        if (!probe) throw new Error('the probe cgroup exists already');
        await probe.remove();
        this.cgroups = jail;
        status.cgroup = version;
      } catch (error) {
        missing.push(
          `cgroup ${version}: cannot create a run cgroup with limits: ${(error as Error).message}`,
        );
      }
    } else {
      missing.push(`cgroup: ${version.missing}`);
    }
    if (this.seccompProgram) status.seccomp = true;
    else missing.push(`seccomp: no filter for architecture ${process.arch} (only x64)`);
    if (missing.length === 0 || this.options.mode === 'degraded') await this.probe(status);
    if (missing.length > 0 && this.options.mode === 'enforcing') throw new SandboxJailError(missing);
    const summary = {
      cgroup: status.cgroup
        ? `${status.cgroup} at ${this.options.cgroupFs} (parent ${this.options.cgroupParent})`
        : 'none',
      uidPool: status.uidPool
        ? `${status.uidPool.base}..${status.uidPool.base + status.uidPool.size - 1}`
        : 'none',
      seccomp: status.seccomp ? `denies ${DENIED_SYSCALLS.length} syscalls` : 'none',
    };
    if (missing.length > 0) {
      this.logger.error({
        msg: 'SANDBOX JAIL DEGRADED: untrusted code runs without parts of its jail',
        missing,
        ...summary,
      });
    } else {
      this.logger.log({ msg: 'sandbox jail ready', mode: status.mode, ...summary });
    }
    return status;
  }

  /** One real run that must see its own uid, seccomp on, no capabilities and no new privileges. */
  private async probe(status: JailStatus): Promise<void> {
    let result: SandboxResult;
    try {
      result = await this.runIn(status, 'bash', PROBE, '', PROBE_LIMITS);
    } catch (error) {
      status.missing.push(`probe run failed: ${(error as Error).message}`);
      return;
    }
    const field = (name: string): string | undefined =>
      new RegExp(`^${name}:\\s+(\\S+)`, 'm').exec(result.stdout)?.[1];
    if (result.exitCode !== 0) {
      status.missing.push(
        `probe run exited ${result.exitCode ?? result.signal}: ${result.stderr.trim().slice(0, 500)}`,
      );
      return;
    }
    if (status.uidPool && field('Uid') !== String(result.jail.uid))
      status.missing.push(`uid pool: probe ran as ${field('Uid')}`);
    if (status.seccomp && field('Seccomp') !== '2') {
      status.seccomp = false;
      status.missing.push(`seccomp: the probe ran with Seccomp ${field('Seccomp')}, not 2 (filter)`);
    }
    if (field('CapEff') !== '0000000000000000')
      status.missing.push(`capabilities: probe has CapEff ${field('CapEff')}`);
    if (field('NoNewPrivs') !== '1') status.missing.push('no_new_privs is not set in the probe');
  }

  async run(
    language: SandboxLanguage,
    code: string,
    stdin: string,
    limits: SandboxLimits,
    /** Kills the program's whole process group at once when it aborts (the call was withdrawn). */
    signal?: AbortSignal,
  ): Promise<SandboxResult> {
    return inSpan(
      `sandbox ${language}`,
      { attributes: { 'soma.sandbox.language': language } },
      async (span) => {
        const status = await this.verify();
        const result = await this.runIn(status, language, code, stdin, limits, signal);
        span.setAttributes({
          'soma.sandbox.jail': status.mode,
          'process.exit.code': result.exitCode ?? -1,
          'soma.sandbox.signal': result.signal ?? '',
          'soma.sandbox.timed_out': result.timedOut,
          'soma.sandbox.limits_hit': result.limitsHit,
          'soma.sandbox.duration_ms': result.durationMs,
        });
        return result;
      },
    );
  }

  private async runIn(
    status: JailStatus,
    language: SandboxLanguage,
    code: string,
    stdin: string,
    limits: SandboxLimits,
    signal?: AbortSignal,
  ): Promise<SandboxResult> {
    return this.inJail(status, limits, signal, async (uid, cgroup) => {
      const argv = sandboxCommand(this.options.bwrapPath, limits, languageProgram(language), {
        uid,
        cgroupProcs: cgroup?.procsFiles ?? [],
        seccomp: status.seccomp,
      });
      const result = await this.spawn(argv, code, stdin, limits, signal, cgroup);
      if (
        result.exitCode === JOIN_FAILED &&
        cgroup &&
        result.stdout === '' &&
        /cgroup\.procs/.test(result.stderr)
      ) {
        throw new Error(`the run could not join its cgroup: ${result.stderr.trim()}`);
      }
      return {
        ...result,
        limitsHit: cgroup ? await cgroup.limitsHit() : [],
        jail: { uid, cgroup: cgroup?.dirs ?? [] },
      };
    });
  }

  /**
   * A long-lived program in the same jail as code.execute (an MCP stdio server): `use` talks to it over its
   * stdin and stdout while it runs; when `use` ends, the limit passes or `signal` aborts, its whole process group
   * and cgroup are killed and the uid and cgroup released. `jail.diagnosis()` tells, while `use` runs, how the
   * program ended (exit status, the cgroup limits it hit, the tail of its stderr); a failed `use` is logged with it.
   */
  async session<T>(
    program: JailProgram,
    limits: SandboxLimits,
    signal: AbortSignal,
    use: (child: ChildProcessWithoutNullStreams, jail: JailSession) => Promise<T>,
  ): Promise<T> {
    const status = await this.verify();
    return this.inJail(status, limits, signal, async (uid, cgroup) => {
      const [command, ...args] = sandboxCommand(this.options.bwrapPath, limits, program, {
        uid,
        cgroupProcs: cgroup?.procsFiles ?? [],
        seccomp: status.seccomp,
      }) as [string, ...string[]];
      const started = performance.now();
      const child = spawn(command, args, {
        detached: true,
        env: { PATH: '/usr/bin:/bin' },
        stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
      });
      let ended: { exitCode: number | null; signal: string | null; afterMs: number } | null = null;
      let killedByUs: string | null = null;
      const killAll = (why: string): void => {
        killedByUs ??= why;
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        void cgroup?.killAll().catch(() => undefined);
      };
      const timer = setTimeout(() => {
        killAll(`the session passed its limit of ${limits.timeoutMs} ms`);
      }, limits.timeoutMs + 1000);
      const onAbort = (): void => {
        killAll('the call was withdrawn');
      };
      signal.addEventListener('abort', onAbort, { once: true });
      for (const [fd, data] of [
        [PROGRAM_FD, ''],
        [SECCOMP_FD, this.seccompProgram ?? Buffer.alloc(0)],
      ] as const) {
        const stream = child.stdio[fd] as NodeJS.WritableStream | null;
        stream?.on('error', () => undefined);
        stream?.end(data);
      }
      child.stdin.on('error', () => undefined);
      // Read so a chatty server never blocks on a full stderr pipe; only its tail is kept, to say why it died.
      const stderr = new TailBuffer(SESSION_STDERR_BYTES);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr.push(chunk);
      });
      const exited = new Promise<void>((resolve) =>
        child.once('close', (exitCode, exitSignal) => {
          ended = { exitCode, signal: exitSignal, afterMs: Math.round(performance.now() - started) };
          resolve();
        }),
      );
      const jail: JailSession = {
        diagnosis: async () => ({
          uid,
          exit: ended
            ? `exited ${ended.signal ?? ended.exitCode} after ${ended.afterMs} ms${killedByUs ? ` (${killedByUs})` : ''}`
            : 'still running',
          limitsHit: cgroup ? await cgroup.limitsHit() : [],
          stderr: stderr.text(),
        }),
      };
      try {
        return await use(child, jail);
      } catch (error) {
        this.logger.warn({
          msg: 'jailed program failed',
          command: program.argv[0],
          error: (error as Error).message,
          ...(await jail.diagnosis()),
        });
        throw error;
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        killAll('the session ended');
        await exited;
      }
    });
  }

  /** Leases the run's uid and cgroup, runs `work` with them, and releases both whatever happens. */
  private async inJail<T>(
    status: JailStatus,
    limits: SandboxLimits,
    signal: AbortSignal | undefined,
    work: (uid: number | null, cgroup: RunCgroup | null) => Promise<T>,
  ): Promise<T> {
    const cgroupLimits = {
      memoryBytes: limits.runMemoryMb * MIB,
      pids: limits.maxProcesses + JAIL_TASKS,
      cpuPercent: limits.cpuPercent,
    };
    const cgroups = status.cgroup ? this.cgroups : null;
    let uid: number | null = null;
    let cgroup: RunCgroup | null = null;
    if (status.uidPool && cgroups) {
      const lease = await this.pool.lease(
        (candidate) => cgroups.create(`uid-${candidate}`, cgroupLimits),
        signal,
      );
      ({ uid, claimed: cgroup } = lease);
    } else if (status.uidPool) {
      ({ uid } = await this.pool.lease(() => Promise.resolve(true), signal));
    } else if (cgroups) {
      cgroup = await cgroups.create(
        `run-${process.pid}-${Math.random().toString(36).slice(2)}`,
        cgroupLimits,
      );
    }
    try {
      return await work(uid, cgroup);
    } finally {
      try {
        await cgroup?.remove();
      } finally {
        if (uid !== null) this.pool.release(uid);
      }
    }
  }

  private spawn(
    argv: string[],
    code: string,
    stdin: string,
    limits: SandboxLimits,
    withdrawn: AbortSignal | undefined,
    cgroup: RunCgroup | null,
  ): Promise<Omit<SandboxResult, 'limitsHit' | 'jail'>> {
    const [command, ...args] = argv as [string, ...string[]];
    const started = performance.now();
    return new Promise((resolve, reject) => {
      // Own process group and a minimal environment: nothing of the executor's leaks, all of it can be killed.
      const child = spawn(command, args, {
        detached: true,
        env: { PATH: '/usr/bin:/bin' },
        stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
      });
      const stdout = new CappedBuffer(limits.outputCapBytes);
      const stderr = new CappedBuffer(limits.outputCapBytes);
      let timedOut = false;
      const killAll = (): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        // The cgroup holds every process of the run, whatever session or group it made for itself.
        void cgroup?.killAll().catch(() => undefined);
      };
      // Backstop for `timeout`: the executor's own clock kills the whole run shortly after the limit.
      const timer = setTimeout(() => {
        timedOut = true;
        killAll();
      }, limits.timeoutMs + 1000);
      if (withdrawn?.aborted) killAll();
      else withdrawn?.addEventListener('abort', killAll, { once: true });
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout.push(chunk);
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr.push(chunk);
      });
      for (const [fd, data] of [
        [0, stdin],
        [PROGRAM_FD, code],
        [SECCOMP_FD, this.seccompProgram ?? Buffer.alloc(0)],
      ] as const) {
        const stream = child.stdio[fd] as NodeJS.WritableStream | null;
        stream?.on('error', () => undefined);
        stream?.end(data);
      }
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (exitCode, signal) => {
        clearTimeout(timer);
        withdrawn?.removeEventListener('abort', killAll);
        killAll();
        const durationMs = performance.now() - started;
        // At the limit timeout(1) SIGKILLs its process group, itself included (or exits 124/137).
        const atLimit = durationMs >= limits.timeoutMs - 50;
        const killedAtLimit = atLimit && (signal === 'SIGKILL' || exitCode === 124 || exitCode === 137);
        const out = capJsonText(stdout.text(), limits.outputCapBytes);
        const err = capJsonText(stderr.text(), limits.outputCapBytes);
        resolve({
          exitCode,
          signal,
          stdout: out.text,
          stderr: err.text,
          truncated: stdout.truncated || stderr.truncated || out.truncated || err.truncated,
          timedOut: timedOut || killedAtLimit,
          durationMs,
        });
      });
    });
  }
}

/** The runner's options from the validated configuration. */
export function sandboxOptions(config: SomaConfig): SandboxOptions {
  return {
    bwrapPath: config.bwrapPath,
    mode: config.sandboxJail,
    uidBase: config.sandboxUidBase,
    uidPoolSize: config.sandboxUidPoolSize,
    poolWaitMs: config.sandboxPoolWaitMs,
    cgroupFs: config.sandboxCgroupFs,
    cgroupParent: config.sandboxCgroupParent,
  };
}
