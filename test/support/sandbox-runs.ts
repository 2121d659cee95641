import { loadConfig } from '#soma/platform';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const config = loadConfig();

/**
 * The live sandbox runs on this host, each with its processes, read from the runs' cgroups. A run has no host
 * folder (its /work is a tmpfs of its own): its files are seen through `/proc/<pid>/root` of its processes. A
 * run's key adds its first pid to its cgroup's name, as a uid's cgroup is reused by later runs.
 */
export function sandboxRuns(): { key: string; pids: number[] }[] {
  const fs = config.sandboxCgroupFs;
  const parent = existsSync(join(fs, 'cgroup.controllers'))
    ? join(fs, config.sandboxCgroupParent)
    : join(fs, 'pids', config.sandboxCgroupParent);
  if (!existsSync(parent)) return [];
  const runs: { key: string; pids: number[] }[] = [];
  for (const entry of readdirSync(parent, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    let pids: number[] = [];
    try {
      pids = readFileSync(join(parent, entry.name, 'cgroup.procs'), 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map(Number)
        .sort((a, b) => a - b);
    } catch {
      continue; // removed meanwhile
    }
    if (pids.length > 0) runs.push({ key: `${entry.name}:${pids[0]}`, pids });
  }
  return runs;
}

/** A file of a run's /work as its program sees it, or undefined (no such file, or the run is gone). */
export function runWorkFile(pids: number[], name: string): { path: string; size: number } | undefined {
  for (const pid of pids) {
    const path = `/proc/${pid}/root/work/${name}`;
    try {
      return { path, size: statSync(path).size };
    } catch {
      // another process of the run (outside its mount namespace: timeout, the outer bwrap), or gone
    }
  }
  return undefined;
}
