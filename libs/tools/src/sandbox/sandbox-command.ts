/** The command line of one sandbox run: join its cgroup, drop to its uid, rlimits, wall clock, bubblewrap. */
export type SandboxLanguage = 'python' | 'node' | 'bash';

export interface SandboxLimits {
  /** Wall clock; the whole process tree is killed when it passes. */
  timeoutMs: number;
  /** Address space (RLIMIT_AS) of each process in MiB. Node gets more: V8 reserves ~1 GiB of address space. */
  memoryMb: number;
  /** Memory of the whole run (its cgroup: every process and the tmpfs pages) in MiB. */
  runMemoryMb: number;
  /** Processes and threads of the whole run (the cgroup's pids.max and RLIMIT_NPROC of its own uid). */
  maxProcesses: number;
  /** CPU of the whole run, 100 = one core (the cgroup's CFS quota). */
  cpuPercent: number;
  /** Size of each of the run's tmpfs mounts, /work and /tmp, in MiB. */
  diskMb: number;
  /** RLIMIT_FSIZE: the largest file a program may write. */
  maxFileMb: number;
  maxOpenFiles: number;
  /** Bytes of stdout and of stderr each, measured as the JSON result carries them; the rest is dropped. */
  outputCapBytes: number;
}

export const RUNTIMES: Record<
  SandboxLanguage,
  { file: string; argv: (file: string) => string[]; extraMb: number }
> = {
  python: { file: 'main.py', argv: (file) => ['/usr/bin/python3', '-I', file], extraMb: 0 },
  node: {
    file: 'main.js',
    argv: (file) => ['/usr/bin/node', '--max-old-space-size=192', file],
    extraMb: 768,
  },
  bash: { file: 'main.sh', argv: (file) => ['/usr/bin/bash', '--noprofile', '--norc', file], extraMb: 0 },
};

/** Tasks of the jail itself in the run's cgroup and uid: timeout, bwrap and bwrap's pid 1. */
export const JAIL_TASKS = 3;
/** The child's descriptors: 0-2 stdio, then the program text and the seccomp program, read by bwrap. */
export const PROGRAM_FD = 3;
export const SECCOMP_FD = 4;
/** The wrapper exits with this when it cannot join the run's cgroup (the program never starts). */
export const JOIN_FAILED = 125;
export const MIB = 1024 * 1024;

/**
 * Joins the run's cgroup, then becomes the rest of the command line. The shell writes its own pid to every
 * cgroup.procs named before `--` and only then execs setpriv: the program is a descendant of a process that is
 * already in the cgroup, so it is born in it and no fork of it can happen outside (no spawn-then-move race).
 */
const JOIN_CGROUP = 'while [ "$1" != -- ]; do echo $$ >"$1" || exit 125; shift; done; shift; exec "$@"';

/** What runs in a jail: a program text (code.execute) or a command of its own (an MCP stdio server). */
export interface JailProgram {
  argv: string[];
  /** The program text from PROGRAM_FD lands at /work/<file>; null: no program text. */
  file: string | null;
  /** Host paths bound read-only at the same path (e.g. an MCP server's script and its node_modules). */
  mounts: readonly string[];
  /** Address space added to limits.memoryMb (V8 reserves ~1 GiB). */
  extraMb: number;
}

export function languageProgram(language: SandboxLanguage): JailProgram {
  const runtime = RUNTIMES[language];
  return { argv: runtime.argv(runtime.file), file: runtime.file, mounts: [], extraMb: runtime.extraMb };
}

/** bwrap: no network, no new user namespaces, no capabilities, a read-only root, size-limited private tmpfs. */
export function bwrapArgs(program: JailProgram, limits: SandboxLimits, seccomp: boolean): string[] {
  const size = String(limits.diskMb * MIB);
  return [
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--cap-drop',
    'ALL',
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
    '--size',
    size,
    '--perms',
    '0700',
    '--tmpfs',
    '/work',
    '--size',
    size,
    '--perms',
    '1777',
    '--tmpfs',
    '/tmp',
    // The program text comes through a descriptor straight into the tmpfs: no host work dir at all.
    ...(program.file === null ? [] : ['--file', String(PROGRAM_FD), `/work/${program.file}`]),
    ...program.mounts.flatMap((path) => ['--ro-bind', path, path]),
    '--remount-ro',
    '/',
    '--remount-ro',
    '/dev',
    ...(seccomp ? ['--seccomp', String(SECCOMP_FD)] : []),
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

/** The command line: join the cgroup, tie to the executor, drop to the run's uid, rlimits, wall clock, bwrap. */
export function sandboxCommand(
  bwrapPath: string,
  limits: SandboxLimits,
  program: JailProgram,
  jail: { uid: number | null; cgroupProcs: string[]; seccomp: boolean },
): string[] {
  // One second of CPU more than of wall clock: the wall clock is the limit that normally fires.
  const seconds = Math.ceil(limits.timeoutMs / 1000) + 1;
  const join =
    jail.cgroupProcs.length > 0
      ? ['/usr/bin/sh', '-c', JOIN_CGROUP, 'soma-jail', ...jail.cgroupProcs, '--']
      : [];
  const drop =
    jail.uid === null
      ? []
      : [`--reuid=${jail.uid}`, `--regid=${jail.uid}`, '--clear-groups', '--no-new-privs'];
  return [
    ...join,
    // The program dies with its executor, even one killed by -9: the kernel kills `timeout` when the executor
    // dies, and bwrap (--die-with-parent) the program with it. An interrupted call's program never runs on.
    '/usr/bin/setpriv',
    '--pdeathsig=KILL',
    ...drop,
    '/usr/bin/prlimit',
    `--cpu=${seconds}`,
    `--as=${(limits.memoryMb + program.extraMb) * MIB}`,
    // The uid is the run's own, so RLIMIT_NPROC counts this run's tasks only. One above pids.max: the cgroup is
    // the limit that fires (and is reported in limitsHit); the rlimit is the backstop in degraded mode.
    `--nproc=${limits.maxProcesses + JAIL_TASKS + 1}`,
    `--fsize=${limits.maxFileMb * MIB}`,
    `--nofile=${limits.maxOpenFiles}`,
    '--core=0',
    '--',
    '/usr/bin/timeout',
    '--signal=KILL',
    `${limits.timeoutMs / 1000}s`,
    bwrapPath,
    ...bwrapArgs(program, limits, jail.seccomp),
    '--',
    ...program.argv,
  ];
}
