import { loadConfig, SomaConfig } from '#soma/platform';
import {
  CodeExecuteTool,
  sandboxOptions,
  SandboxJailError,
  SandboxRunner,
  type SandboxLanguage,
  type SandboxLimits,
  type SandboxResult,
} from '#soma/tools';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_DIR, startApp, TEST_PORTS } from '../support/apps.js';

const config = loadConfig();
const sandbox = new SandboxRunner(sandboxOptions(new SomaConfig(config)));
const limits: SandboxLimits = {
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

function run(
  language: SandboxLanguage,
  code: string,
  overrides: Partial<SandboxLimits> = {},
): Promise<SandboxResult> {
  return sandbox.run(language, code, '', { ...limits, ...overrides });
}

const poolEnd = config.sandboxUidBase + config.sandboxUidPoolSize;

/** Processes of the given run uid (or of any uid of the pool): what a run could have left behind. */
function processesOf(uid?: number): number {
  const uids = execFileSync('ps', ['-e', '-o', 'uid='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
  return uids.filter((u) => (uid === undefined ? u >= config.sandboxUidBase && u < poolEnd : u === uid))
    .length;
}

/** Killed processes take a moment to be reaped: wait (bounded) until none of the uid is left. */
async function settledProcessesOf(uid?: number): Promise<number> {
  for (let i = 0; i < 50 && processesOf(uid) > 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  return processesOf(uid);
}

describe('code.execute sandbox (real bubblewrap, cgroups, seccomp, setpriv, prlimit)', () => {
  it('returns a Python program’s stdout and exit code', async () => {
    const result = await run(
      'python',
      'import sys\nprint(sum(range(10)))\nsys.stderr.write("warn\\n")\nsys.exit(3)',
    );
    expect(result.stdout).toBe('45\n');
    expect(result.stderr).toBe('warn\n');
    expect(result.exitCode).toBe(3);
    expect(result.timedOut).toBe(false);
  });

  it('runs Node and bash programs too', async () => {
    expect((await run('node', 'console.log(6 * 7)')).stdout).toBe('42\n');
    expect((await run('bash', 'echo "$((6 * 7))"')).stdout).toBe('42\n');
  });

  describe('escapes are contained', () => {
    let server: Server;
    let port = 0;
    let connections = 0;

    beforeAll(async () => {
      server = createServer((socket) => {
        connections++;
        socket.end('secret\n');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('cannot connect to a server on the host’s 127.0.0.1', async () => {
      // The same program reaches the server from the host: the sandbox, not the program, makes the difference.
      const code = [
        'import socket',
        'try:',
        `    s = socket.create_connection(("127.0.0.1", ${port}), timeout=3)`,
        '    print("CONNECTED", s.recv(100))',
        'except OSError as e:',
        '    print("BLOCKED", type(e).__name__)',
      ].join('\n');
      const result = await run('python', code);
      expect(result.stdout).toMatch(/^BLOCKED/);
      expect(connections).toBe(0);
      const host = await promisify(execFile)('/usr/bin/python3', ['-c', code], { encoding: 'utf8' });
      expect(host.stdout).toMatch(/^CONNECTED/);
      expect(connections).toBe(1);
    });

    it('cannot write outside its work dir', async () => {
      const marker = `soma-escape-${process.pid}-${Date.now()}`;
      const code = [
        'import os',
        `targets = ["/${marker}", "/usr/${marker}", "/work/../${marker}", "/proc/${marker}", "/dev/${marker}"]`,
        'for t in targets:',
        '    try:',
        '        open(t, "w").write("x")',
        '        print("WROTE", t)',
        '    except OSError as e:',
        '        print("DENIED", t, e.errno)',
        'open("/work/ok.txt", "w").write("fine")',
        'open("/tmp/ok.txt", "w").write("fine")',
        'print("WORK", open("/work/ok.txt").read(), "TMP", open("/tmp/ok.txt").read())',
      ].join('\n');
      const result = await run('python', code);
      expect(result.stdout).not.toContain('WROTE');
      expect(result.stdout.match(/DENIED/g)).toHaveLength(5);
      expect(result.stdout).toContain('WORK fine TMP fine');
      expect(existsSync(`/${marker}`)).toBe(false);
      expect(existsSync(`/usr/${marker}`)).toBe(false);
      expect(existsSync(join('/tmp', 'ok.txt'))).toBe(false);
    });

    it('contains a fork bomb: ends at the limit, and no process of the sandbox uid survives', async () => {
      const before = performance.now();
      const result = await run('bash', ':(){ :|:& };:\nsleep 30', { timeoutMs: 3000 });
      expect(performance.now() - before).toBeLessThan(3000 + 5000);
      expect(result.exitCode).not.toBe(0);
      expect(await settledProcessesOf(result.jail.uid ?? -1)).toBe(0);
      // The machine still works: the next program runs normally.
      expect((await run('python', 'print("alive")')).stdout).toBe('alive\n');
    });

    it('kills an endless loop at the wall-clock limit', async () => {
      const result = await run('python', 'while True:\n    pass', { timeoutMs: 1500 });
      expect(result.timedOut).toBe(true);
      expect(result.durationMs).toBeGreaterThanOrEqual(1400);
      expect(result.durationMs).toBeLessThan(1500 + 3000);
      expect(await settledProcessesOf(result.jail.uid ?? -1)).toBe(0);
    });

    it('cannot allocate 1 GiB', async () => {
      const code = [
        'try:',
        '    b = bytearray(1 << 30)',
        '    print("ALLOCATED", len(b))',
        'except MemoryError:',
        '    print("MEMORY_ERROR")',
      ].join('\n');
      const result = await run('python', code);
      expect(result.stdout).toBe('MEMORY_ERROR\n');
      const node = await run(
        'node',
        'try { const b = Buffer.alloc(1 << 30, 1); console.log("ALLOCATED", b.length) } catch (e) { console.log("FAILED", e.code ?? e.name) }',
      );
      expect(node.stdout).not.toContain('ALLOCATED');
    });

    it('cannot read the host’s environment variables or the platform state folder', async () => {
      const stateDir = STATE_DIR;
      expect(readdirSync(stateDir).length).toBeGreaterThan(0);
      const code = [
        'import os',
        'print("ENV", sorted(os.environ))',
        'for p in ["/proc/1/environ", "/proc/self/environ"]:',
        '    try:',
        '        print("PROC", p, open(p, "rb").read().replace(b"\\0", b" "))',
        '    except OSError as e:',
        '        print("PROC_DENIED", p, e.errno)',
        `for p in ["${stateDir}", "${join(stateDir, 'infra.env')}", "${join(stateDir, 'admin-api-key')}"]:`,
        '    try:',
        '        print("READ", p, os.listdir(p) if os.path.isdir(p) else open(p).read())',
        '    except OSError as e:',
        '        print("STATE_DENIED", e.errno)',
      ].join('\n');
      const result = await run('python', code);
      expect(result.stdout).toContain("ENV ['HOME', 'LANG', 'PATH', 'PWD', 'TMPDIR']");
      expect(result.stdout).not.toMatch(/SOMA_|soma:soma|postgres:\/\//);
      expect(result.stdout).not.toContain('READ');
      expect(result.stdout.match(/STATE_DENIED/g)).toHaveLength(3);
    });

    it('caps the output it returns', async () => {
      const result = await run('python', 'print("x" * 500000)', { outputCapBytes: 1000 });
      expect(result.stdout.length).toBe(1000);
      expect(result.truncated).toBe(true);
    });
  });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('one run, one jail: cgroup, uid, tmpfs, no namespaces, seccomp', () => {
  it('a fork bomb hits its own run’s pids cap while a concurrent run still succeeds', async () => {
    const bomb = run('bash', ':(){ :|:& };:\nsleep 30', { timeoutMs: 4000 });
    await sleep(800);
    const started = performance.now();
    const other = await run('python', 'import os\nprint("alive", os.getuid())');
    expect(performance.now() - started).toBeLessThan(3000);
    expect(other.exitCode).toBe(0);
    expect(other.stdout).toBe(`alive ${other.jail.uid}\n`);
    const bombed = await bomb;
    expect(bombed.limitsHit).toContain('pids');
    expect(bombed.jail.uid).not.toBe(other.jail.uid);
    expect(await settledProcessesOf(bombed.jail.uid ?? -1)).toBe(0);
  });

  it('31 children of 200 MB each are stopped by the run’s memory cap; the run ends and the next one works', async () => {
    const code = [
      'import os, time',
      'kids = []',
      'for i in range(31):',
      '    pid = os.fork()',
      '    if pid == 0:',
      '        b = b"\\x01" * (200 << 20)',
      '        time.sleep(2)',
      '        os._exit(0)',
      '    kids.append(pid)',
      'st = [os.waitpid(p, 0)[1] for p in kids]',
      'print("KILLED", sum(1 for s in st if os.WIFSIGNALED(s) and os.WTERMSIG(s) == 9))',
      'print("OK", sum(1 for s in st if os.WIFEXITED(s) and os.WEXITSTATUS(s) == 0))',
    ].join('\n');
    const result = await run('python', code, { timeoutMs: 15_000 });
    expect(result.limitsHit).toContain('memory');
    expect(result.timedOut).toBe(false);
    // 512 MiB for the run: at most two children of 200 MB can have lived; the parent normally survives.
    const ok = /OK (\d+)/.exec(result.stdout);
    if (ok) {
      expect(Number(ok[1])).toBeLessThanOrEqual(2);
      expect(Number(/KILLED (\d+)/.exec(result.stdout)?.[1])).toBeGreaterThanOrEqual(29);
    } else {
      expect(result.signal ?? result.exitCode).not.toBe(0);
    }
    expect(await settledProcessesOf(result.jail.uid ?? -1)).toBe(0);
    expect((await run('python', 'print("alive")')).stdout).toBe('alive\n');
  });

  it('a disk-filling run is stopped by its tmpfs size (ENOSPC), in /work and in /tmp', async () => {
    const code = [
      'import errno',
      'for d in ["/work", "/tmp"]:',
      '    n = 0',
      '    try:',
      '        while n < 1000:',
      '            with open(f"{d}/fill{n}", "wb") as f:',
      '                f.write(b"x" * (1 << 20))',
      '            n += 1',
      '        print("FILLED", d, n)',
      '    except OSError as e:',
      '        print("STOPPED", d, errno.errorcode[e.errno], n)',
    ].join('\n');
    const result = await run('python', code, { diskMb: 8 });
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const [i, dir] of ['/work', '/tmp'].entries()) {
      const match = new RegExp(`^STOPPED ${dir} ENOSPC (\\d+)$`).exec(lines[i] ?? '');
      expect(match, lines[i]).not.toBeNull();
      expect(Number(match?.[1])).toBeLessThanOrEqual(8);
      expect(Number(match?.[1])).toBeGreaterThanOrEqual(5);
    }
  });

  it('cannot create namespaces: `unshare -U` and `unshare -n` fail, clone(CLONE_NEWNET) is refused', async () => {
    const result = await run(
      'bash',
      [
        'unshare -U true; echo "user=$?"',
        'unshare -n true; echo "net=$?"',
        'python3 -c \'import ctypes; l = ctypes.CDLL(None, use_errno=True); print("clone", l.syscall(56, 0x40000000 | 17, 0, 0, 0, 0), ctypes.get_errno())\'',
      ].join('\n'),
    );
    expect(result.stdout).toBe('user=1\nnet=1\nclone -1 1\n');
    expect(result.stderr).toContain('unshare failed: Operation not permitted');
  });

  it('ptrace, mount, keyctl and bpf are refused with EPERM (the same ptrace works on the host)', async () => {
    const code = [
      'import ctypes',
      'l = ctypes.CDLL(None, use_errno=True)',
      'def call(name, *args):',
      '    ctypes.set_errno(0)',
      '    print(name, l.syscall(*args), ctypes.get_errno())',
      'call("ptrace", 101, 0, 0, 0, 0)', // PTRACE_TRACEME
      'call("mount", 165, b"none", b"/tmp", b"tmpfs", 0, 0)',
      'call("keyctl", 250, 0, 0, 0, 0, 0)',
      'call("bpf", 321, 0, 0, 0)',
      'call("getpid", 39)',
    ].join('\n');
    const result = await run('python', code);
    expect(result.stdout).toBe('ptrace -1 1\nmount -1 1\nkeyctl -1 1\nbpf -1 1\ngetpid 2 0\n');
    const host = await promisify(execFile)(
      '/usr/bin/python3',
      ['-c', code.split('\ncall("mount"')[0] ?? ''],
      {
        encoding: 'utf8',
      },
    );
    expect(host.stdout).toBe('ptrace 0 0\n');
  });

  it('two concurrent runs get different uids of the pool, each its own', async () => {
    const code = 'import os, time\nprint(os.getuid(), os.getgid())\ntime.sleep(1)';
    const [a, b] = await Promise.all([run('python', code), run('python', code)]);
    expect(a?.jail.uid).not.toBe(b?.jail.uid);
    for (const r of [a, b]) {
      const uid = r?.jail.uid ?? -1;
      expect(uid).toBeGreaterThanOrEqual(config.sandboxUidBase);
      expect(uid).toBeLessThan(poolEnd);
      expect(r?.stdout).toBe(`${uid} ${uid}\n`);
    }
  });

  it('runs in its own cgroup with the run’s limits, which is gone after the run', async () => {
    const running = run('bash', 'sleep 1.5; echo done', {
      runMemoryMb: 300,
      maxProcesses: 20,
      cpuPercent: 50,
    });
    // Seen from the host while it runs: the cgroup holds the run's processes, under the run's uid.
    let dirs: string[] = [];
    // Until the program runs: timeout, bwrap, bwrap's pid 1, bash and its sleep.
    for (let i = 0; i < 100 && !dirs.some((dir) => readProcs(dir).length >= 5); i++) {
      await sleep(20);
      dirs = cgroupDirs().filter((dir) => readProcs(dir).length > 0);
    }
    const pidsDir = dirs.find((dir) => existsSync(join(dir, 'pids.max')));
    expect(pidsDir).toBeDefined();
    expect(readFileSync(join(pidsDir ?? '', 'pids.max'), 'utf8').trim()).toBe(String(20 + 3));
    const memory = dirs.find(
      (dir) => existsSync(join(dir, 'memory.limit_in_bytes')) || existsSync(join(dir, 'memory.max')),
    );
    const memoryFile = existsSync(join(memory ?? '', 'memory.max')) ? 'memory.max' : 'memory.limit_in_bytes';
    expect(readFileSync(join(memory ?? '', memoryFile), 'utf8').trim()).toBe(String(300 * 1024 * 1024));
    // Half a core for the whole run: 50 ms of CPU per 100 ms period (v2 cpu.max, v1 cpu.cfs_quota_us).
    const cpu = dirs.find(
      (dir) => existsSync(join(dir, 'cpu.max')) || existsSync(join(dir, 'cpu.cfs_quota_us')),
    );
    expect(
      existsSync(join(cpu ?? '', 'cpu.max'))
        ? readFileSync(join(cpu ?? '', 'cpu.max'), 'utf8').trim()
        : `${readFileSync(join(cpu ?? '', 'cpu.cfs_quota_us'), 'utf8').trim()} ${readFileSync(join(cpu ?? '', 'cpu.cfs_period_us'), 'utf8').trim()}`,
    ).toBe('50000 100000');
    const uids = readProcs(pidsDir ?? '').map(
      (pid) => /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1],
    );
    const result = await running;
    expect(result.stdout).toBe('done\n');
    expect(result.jail.cgroup.length).toBeGreaterThan(0);
    expect(result.jail.cgroup).toContain(pidsDir);
    // The run's processes (timeout, bwrap, its pid 1, the program) are in its cgroup and run as its uid.
    expect(uids.length).toBe(5);
    expect(new Set(uids)).toEqual(new Set([String(result.jail.uid)]));
    for (const dir of result.jail.cgroup) expect(existsSync(dir)).toBe(false);
  });

  it('output of control bytes is truncated to the cap as JSON measures it, not OUTPUT_TOO_LARGE', async () => {
    const code = 'import sys\nsys.stdout.write("\\x01" * 200000)\nsys.stderr.write("\\x02" * 200000)';
    const result = await run('python', code);
    expect(result.truncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(result.stdout))).toBeLessThanOrEqual(limits.outputCapBytes + 2);
    expect(result.stdout).toBe('\u0001'.repeat(Math.floor(limits.outputCapBytes / 6)));
    const runs = new Counter({
      name: 'sandbox_runs_total',
      help: 'runs',
      labelNames: ['language', 'outcome'],
      registers: [],
    });
    const tool = new CodeExecuteTool(sandbox, runs);
    const context = {
      tenantId: 't',
      sessionId: 's',
      toolCallId: 'c',
      signal: new AbortController().signal,
      resource: {},
    };
    const outcome = await tool.run({ language: 'python', code }, context);
    expect(outcome.status).toBe('ok');
    expect(Buffer.byteLength(JSON.stringify(outcome.output))).toBeLessThanOrEqual(tool.outputCapBytes);
    const counted = (await runs.get()).values;
    expect(counted.map((v) => [v.labels.language, v.value])).toEqual([['python', 1]]);
    expect((outcome.output as { truncated: boolean }).truncated).toBe(true);
  });

  it('a chmod 000 file and dir in /work and /tmp do not lose the result', async () => {
    const code = [
      'mkdir -p /work/locked/deep /tmp/locked',
      'echo x > /work/locked/deep/f; echo y > /tmp/locked/g; echo z > /work/f000',
      'chmod 000 /work/locked/deep/f /work/locked/deep /work/locked /tmp/locked /work/f000',
      'echo kept',
    ].join('\n');
    const result = await run('bash', code);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('kept\n');
  });

  it('refuses to run when a part of the jail is missing (enforcing), runs loudly without it (degraded)', async () => {
    const options = { ...sandboxOptions(new SomaConfig(config)), cgroupFs: '/nonexistent-cgroup-fs' };
    const enforcing = new SandboxRunner({ ...options, mode: 'enforcing' });
    await expect(enforcing.verify()).rejects.toThrow(
      /refusing to run code[\s\S]*cgroup: no cgroup v2 at \/nonexistent/,
    );
    await expect(enforcing.run('python', 'print(1)', '', limits)).rejects.toThrow(SandboxJailError);
    const degraded = new SandboxRunner({ ...options, mode: 'degraded' });
    const status = await degraded.verify();
    expect(status.cgroup).toBeNull();
    expect(status.missing).toEqual([expect.stringMatching(/^cgroup: /)]);
    expect(status.seccomp).toBe(true);
    const result = await degraded.run('python', 'import os\nprint(os.getuid())', '', limits);
    expect(result.stdout).toBe(`${result.jail.uid}\n`);
    expect(result.jail.cgroup).toEqual([]);
  });

  it('fails with SANDBOX_BUSY when every uid of the pool is taken for longer than the wait', async () => {
    const small = new SandboxRunner({
      ...sandboxOptions(new SomaConfig(config)),
      uidBase: config.sandboxUidBase + config.sandboxUidPoolSize + 1000,
      uidPoolSize: 1,
      poolWaitMs: 300,
    });
    const long = small.run('bash', 'sleep 2; echo first', '', limits);
    await sleep(300);
    await expect(small.run('bash', 'echo second', '', limits)).rejects.toMatchObject({
      code: 'SANDBOX_BUSY',
    });
    expect((await long).stdout).toBe('first\n');
    // Released: the next run gets the uid.
    expect((await small.run('bash', 'echo third', '', limits)).stdout).toBe('third\n');
  });
});

describe('the tool executor checks its jail at start-up', () => {
  // Its own port and instance: the global setup's executor keeps running beside it.
  const port = TEST_PORTS['tool-executor'] + 40;
  const env = (mode: string) => ({
    SOMA_SANDBOX_JAIL: mode,
    SOMA_SANDBOX_CGROUP_FS: '/nonexistent-cgroup-fs',
    SOMA_INSTANCE_ID: `jail-check-${mode}-${process.pid}`,
    SOMA_LOG_LEVEL: 'info',
  });

  it('refuses to start in enforcing mode without cgroups, naming what is missing', async () => {
    await expect(
      startApp('tool-executor', {
        port,
        env: env('enforcing'),
        logSuffix: '-jail-enforcing',
        readyTimeoutMs: 60_000,
      }),
    ).rejects.toThrow(/tool-executor exited with [1-9]/);
    const log = readFileSync(join(STATE_DIR, 'logs', 'test-tool-executor-jail-enforcing.log'), 'utf8');
    expect(log).toMatch(
      /sandbox jail incomplete, refusing to run code[\s\S]*cgroup: no cgroup v2 at \/nonexistent-cgroup-fs/,
    );
  });

  it('starts in degraded mode, saying so in its log and in /health/ready', async () => {
    const app = await startApp('tool-executor', {
      port,
      env: env('degraded'),
      logSuffix: '-jail-degraded',
      readyTimeoutMs: 60_000,
    });
    try {
      const ready = (await (await fetch(`http://127.0.0.1:${port}/health/ready`)).json()) as {
        checks: Record<string, string>;
      };
      expect(Object.keys(ready.checks)).toContainEqual(
        expect.stringMatching(/^sandbox-jail DEGRADED: cgroup: no cgroup/),
      );
    } finally {
      await app.stop();
    }
    const log = readFileSync(join(STATE_DIR, 'logs', 'test-tool-executor-jail-degraded.log'), 'utf8');
    expect(log).toContain('SANDBOX JAIL DEGRADED');
  });
});

/** The run cgroups under the parent (v1: in every controller; v2: one hierarchy). */
function cgroupDirs(): string[] {
  const fs = config.sandboxCgroupFs;
  const parents = existsSync(join(fs, 'cgroup.controllers'))
    ? [join(fs, config.sandboxCgroupParent)]
    : ['pids', 'memory', 'cpu'].map((c) => join(fs, c, config.sandboxCgroupParent));
  return parents.flatMap((parent) =>
    existsSync(parent)
      ? readdirSync(parent, { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => join(parent, entry.name))
      : [],
  );
}

function readProcs(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map(Number);
  } catch {
    return [];
  }
}
