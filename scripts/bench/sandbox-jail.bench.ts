/**
 * Per-call cost of the jail per run (own cgroup, uid lease, tmpfs, seccomp, probe-verified at start) beside the
 * pre-jail sandbox, for the same program in the same process, calls interleaved:
 *   npm run build && npm run bench:sandbox          (as root, like the tool executor; BENCH_N=20 by default)
 * The baseline is the command line the runner used before the jail, rebuilt here and used nowhere else: a host
 * work dir (mkdtemp) chowned to 65534, setpriv + prlimit + timeout + bwrap binding it, then removed.
 */
import { Logger } from '@nestjs/common';
import { loadConfig, SomaConfig } from '#soma/platform';
import { sandboxOptions, SandboxRunner, type SandboxLimits } from '#soma/tools';
import { spawn } from 'node:child_process';
import { chmod, lchown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const N = Number(process.env.BENCH_N ?? 20);
const PROGRAM = 'print(1)';
const LIMITS: SandboxLimits = {
  timeoutMs: 5000,
  memoryMb: 256,
  runMemoryMb: 512,
  maxProcesses: 32,
  cpuPercent: 100,
  diskMb: 64,
  maxFileMb: 16,
  maxOpenFiles: 64,
  outputCapBytes: 64 * 1024,
};
const BASELINE_UID = 65534;

/** The pre-jail run: one host folder per run, bound into bwrap as /work and /tmp, uid 65534 for every run. */
async function baselineRun(bwrap: string): Promise<string> {
  // Its own fresh folder (mkdtemp, 0700) rather than a shared root in /tmp, and lchown: nothing follows a link.
  const dir = await mkdtemp(join(tmpdir(), 'soma-bench-baseline-'));
  try {
    const work = join(dir, 'work');
    const tmp = join(dir, 'tmp');
    await chmod(dir, 0o711);
    await mkdir(work, { mode: 0o700 });
    await mkdir(tmp, { mode: 0o700 });
    await writeFile(join(work, 'main.py'), PROGRAM, { mode: 0o644 });
    for (const path of [work, tmp, join(work, 'main.py')]) await lchown(path, BASELINE_UID, BASELINE_UID);
    const mib = 1024 * 1024;
    const argv = [
      '--pdeathsig=KILL',
      `--reuid=${BASELINE_UID}`,
      `--regid=${BASELINE_UID}`,
      '--clear-groups',
      '--no-new-privs',
      '/usr/bin/prlimit',
      '--cpu=6',
      `--as=${LIMITS.memoryMb * mib}`,
      `--nproc=${LIMITS.maxProcesses}`,
      `--fsize=${LIMITS.maxFileMb * mib}`,
      `--nofile=${LIMITS.maxOpenFiles}`,
      '--core=0',
      '--',
      '/usr/bin/timeout',
      '--signal=KILL',
      '5s',
      bwrap,
      ...['--unshare-all', '--die-with-parent', '--new-session', '--hostname', 'sandbox'],
      ...['--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib'],
      ...[
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
      ],
      ...['--bind', work, '/work', '--bind', tmp, '/tmp', '--remount-ro', '/', '--remount-ro', '/dev'],
      ...['--chdir', '/work', '--clearenv', '--setenv', 'PATH', '/usr/local/bin:/usr/bin:/bin'],
      ...['--setenv', 'HOME', '/work', '--setenv', 'TMPDIR', '/tmp', '--setenv', 'LANG', 'C.UTF-8'],
      '--',
      '/usr/bin/python3',
      '-I',
      'main.py',
    ];
    return await new Promise((resolve, reject) => {
      const child = spawn('/usr/bin/setpriv', argv, { detached: true, env: { PATH: '/usr/bin:/bin' } });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stdin.end();
      child.on('error', reject);
      child.on('close', () => {
        resolve(out);
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function stats(samples: number[]): { median: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return { median: at(50), p95: at(95) };
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  if (process.getuid?.() !== 0)
    throw new Error('run as root, like the tool executor (uid switching, cgroups)');
  const config = new SomaConfig(loadConfig());
  const jailed = new SandboxRunner(sandboxOptions(config));
  const verifyStart = performance.now();
  const status = await jailed.verify();
  const verifyMs = performance.now() - verifyStart;
  // Warm both paths (page cache, python's first start).
  for (let i = 0; i < 3; i++) {
    await baselineRun(config.bwrapPath);
    await jailed.run('python', PROGRAM, '', LIMITS);
  }
  const base: number[] = [];
  const jail: number[] = [];
  for (let i = 0; i < N; i++) {
    let t0 = performance.now();
    const a = await baselineRun(config.bwrapPath);
    base.push(performance.now() - t0);
    t0 = performance.now();
    const b = await jailed.run('python', PROGRAM, '', LIMITS);
    jail.push(performance.now() - t0);
    if (a !== '1\n' || b.stdout !== '1\n')
      throw new Error(`unexpected output: ${JSON.stringify([a, b.stdout])}`);
  }
  const s = stats(base);
  const j = stats(jail);
  const fmt = (ms: number): string => `${ms.toFixed(1).padStart(6)} ms`;
  console.log(`sandbox per-call time, python ${JSON.stringify(PROGRAM)}, N=${N} each, interleaved`);
  console.log(
    `jail: cgroup ${status.cgroup ?? 'none'}, uid pool, seccomp ${status.seccomp}; start-up verify ${verifyMs.toFixed(0)} ms`,
  );
  console.log(`baseline (pre-jail)   median ${fmt(s.median)}   p95 ${fmt(s.p95)}`);
  console.log(`jailed                median ${fmt(j.median)}   p95 ${fmt(j.p95)}`);
  console.log(
    `overhead              median ${fmt(j.median - s.median)}   p95 ${fmt(j.p95 - s.p95)}   ratio ${(j.median / s.median).toFixed(2)}× (median), ${(j.p95 / s.p95).toFixed(2)}× (p95)`,
  );
}

await main();
