import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type CgroupVersion = 'v1' | 'v2';

export interface CgroupLimits {
  /** Memory of the whole run (every process, tmpfs pages included), swap excluded. */
  memoryBytes: number;
  /** Tasks (processes and threads) of the whole run. */
  pids: number;
  /** CPU of the whole run: 100 is one core. */
  cpuPercent: number;
}

/** The controllers a run needs; on v1 each is its own hierarchy under the cgroup fs. */
const V1_CONTROLLERS = ['pids', 'memory', 'cpu'] as const;
const CPU_PERIOD_US = 100_000;
/** An empty run cgroup older than this belongs to a dead executor (a live run holds processes in it). */
const STALE_MS = 60_000;

/** Which cgroup version the machine offers, or why none is usable. */
export function detectCgroupVersion(fs: string): CgroupVersion | { missing: string } {
  if (existsSync(join(fs, 'cgroup.controllers'))) return 'v2';
  const absent = V1_CONTROLLERS.filter((c) => !existsSync(join(fs, c, 'cgroup.procs')));
  if (absent.length === 0) return 'v1';
  return { missing: `no cgroup v2 at ${fs} and no cgroup v1 controller(s) ${absent.join(', ')} under it` };
}

/**
 * One cgroup per run, named after the run's uid under a parent (`<fs>/[<controller>/]<parent>/uid-<n>`). Its
 * mkdir is the cross-process half of the uid lease: two executors on one host never run with the same uid, as
 * the second one's mkdir fails.
 */
export class CgroupJail {
  constructor(
    readonly version: CgroupVersion,
    private readonly fs: string,
    private readonly parent: string,
  ) {}

  /** The run cgroup's directories (one per controller on v1, one on v2). */
  dirs(name: string): string[] {
    return this.version === 'v2'
      ? [join(this.fs, this.parent, name)]
      : V1_CONTROLLERS.map((c) => join(this.fs, c, this.parent, name));
  }

  /** The parent cgroups (controllers delegated to children on v2), cleared of what dead executors left. */
  async prepare(): Promise<void> {
    if (this.version === 'v1') {
      for (const c of V1_CONTROLLERS) await mkdir(join(this.fs, c, this.parent), { recursive: true });
    } else {
      await this.delegate();
    }
    const lease = this.version === 'v2' ? join(this.fs, this.parent) : join(this.fs, 'pids', this.parent);
    for (const entry of await readdir(lease, { withFileTypes: true })) {
      if (entry.isDirectory() && (await this.stale(entry.name, join(lease, entry.name))))
        await new RunCgroup(this.version, this.dirs(entry.name)).remove();
    }
  }

  private async delegate(): Promise<void> {
    const parent = join(this.fs, this.parent);
    await mkdir(parent, { recursive: true });
    const controllers = ['memory', 'pids', 'cpu'];
    const enabled = async (dir: string): Promise<string[]> =>
      (await readFile(join(dir, 'cgroup.subtree_control'), 'utf8')).trim().split(/\s+/);
    for (const dir of [this.fs, parent]) {
      const on = await enabled(dir);
      const wanted = controllers.filter((c) => !on.includes(c));
      if (wanted.length > 0)
        await writeFile(join(dir, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
    }
  }

  /**
   * Creates the run's cgroup with its limits; false when another live run holds it. A cgroup left empty by a dead
   * executor is taken over.
   */
  async create(name: string, limits: CgroupLimits): Promise<RunCgroup | null> {
    const dirs = this.dirs(name);
    const [lease, ...others] = dirs as [string, ...string[]];
    const run = new RunCgroup(this.version, dirs);
    try {
      await mkdir(lease);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!(await this.stale(name, lease))) return null;
      // A dead executor's: made again, so that its counters (OOM kills, refused forks) start from zero.
      await run.remove();
      try {
        await mkdir(lease);
      } catch (again) {
        if ((again as NodeJS.ErrnoException).code === 'EEXIST') return null; // another executor took it
        throw again;
      }
    }
    for (const dir of others) {
      // The lease is ours: a leftover in another controller is a dead run's, removed for fresh counters.
      await rmdir(dir).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      });
      await mkdir(dir);
    }
    try {
      await run.limit(limits);
    } catch (error) {
      await run.remove();
      throw error;
    }
    return run;
  }

  private async stale(name: string, lease: string): Promise<boolean> {
    const run = new RunCgroup(this.version, this.dirs(name));
    const [procs, info] = await Promise.all([run.processes(), stat(lease)]);
    return procs.length === 0 && Date.now() - info.ctimeMs > STALE_MS;
  }
}

/** A run's cgroup: limits, the files a process joins it by, what limits it hit, kill and removal. */
export class RunCgroup {
  constructor(
    readonly version: CgroupVersion,
    readonly dirs: string[],
  ) {}

  /** Writing a pid to each of these moves that process (and its future children) into the run's cgroup. */
  get procsFiles(): string[] {
    return this.dirs.map((dir) => join(dir, 'cgroup.procs'));
  }

  private dir(controller: 'pids' | 'memory' | 'cpu'): string {
    if (this.version === 'v2') return this.dirs[0] as string;
    return this.dirs[V1_CONTROLLERS.indexOf(controller)] as string;
  }

  async limit(limits: CgroupLimits): Promise<void> {
    const set = (
      controller: 'pids' | 'memory' | 'cpu',
      file: string,
      value: string | number,
    ): Promise<void> => writeFile(join(this.dir(controller), file), String(value));
    const quota = Math.max(1000, Math.round((limits.cpuPercent / 100) * CPU_PERIOD_US));
    await set('pids', 'pids.max', limits.pids);
    if (this.version === 'v2') {
      await set('memory', 'memory.max', limits.memoryBytes);
      if (existsSync(join(this.dir('memory'), 'memory.swap.max'))) await set('memory', 'memory.swap.max', 0);
      await set('cpu', 'cpu.max', `${quota} ${CPU_PERIOD_US}`);
      return;
    }
    await set('memory', 'memory.limit_in_bytes', limits.memoryBytes);
    // memory+swap no larger than memory: no swapping out of the cap (the file exists with swap accounting).
    if (existsSync(join(this.dir('memory'), 'memory.memsw.limit_in_bytes')))
      await set('memory', 'memory.memsw.limit_in_bytes', limits.memoryBytes);
    await set('cpu', 'cpu.cfs_period_us', CPU_PERIOD_US);
    await set('cpu', 'cpu.cfs_quota_us', quota);
  }

  async processes(): Promise<number[]> {
    try {
      const text = await readFile(join(this.dir('pids'), 'cgroup.procs'), 'utf8');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map(Number);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /** Which limits the run ran into: the kernel's own counters (OOM kills, refused forks). */
  async limitsHit(): Promise<('memory' | 'pids')[]> {
    const counter = async (file: string, key: string): Promise<number> => {
      try {
        const text = await readFile(file, 'utf8');
        const line = text.split('\n').find((l) => l.startsWith(`${key} `));
        return line ? Number(line.split(' ')[1]) : 0;
      } catch {
        return 0;
      }
    };
    const oomFile = this.version === 'v2' ? 'memory.events' : 'memory.oom_control';
    const [oom, pids] = await Promise.all([
      counter(join(this.dir('memory'), oomFile), 'oom_kill'),
      counter(join(this.dir('pids'), 'pids.events'), 'max'),
    ]);
    return [...(oom > 0 ? (['memory'] as const) : []), ...(pids > 0 ? (['pids'] as const) : [])];
  }

  /** SIGKILLs every process of the run until none is left (cgroup.kill where the kernel has it). */
  async killAll(): Promise<void> {
    const killFile = join(this.dirs[0] as string, 'cgroup.kill');
    if (this.version === 'v2' && existsSync(killFile)) await writeFile(killFile, '1').catch(() => undefined);
    for (let round = 0; round < 1000; round++) {
      const pids = await this.processes();
      if (pids.length === 0) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error(`cgroup ${this.dirs[0]}: processes still alive after SIGKILL`);
  }

  /** Kills what is left and removes the cgroup (a killed process leaves it a moment after its signal). */
  async remove(): Promise<void> {
    await this.killAll();
    for (const dir of this.dirs) {
      for (let attempt = 0; ; attempt++) {
        try {
          await rmdir(dir);
          break;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (code !== 'EBUSY' || attempt >= 400) throw error;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    }
  }
}
