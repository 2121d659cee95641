import { loadConfig } from '#soma/platform';
import { SandboxRunner, type SandboxLanguage, type SandboxResult } from '#soma/tools';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_DIR } from '../support/apps.js';

const config = loadConfig();
const sandbox = new SandboxRunner({
  bwrapPath: config.bwrapPath,
  root: config.sandboxRoot,
  uid: config.sandboxUid,
});
const limits = {
  timeoutMs: 5000,
  memoryMb: 256,
  maxProcesses: 32,
  maxFileMb: 16,
  maxOpenFiles: 64,
  outputCapBytes: 64 * 1024,
};

function run(
  language: SandboxLanguage,
  code: string,
  overrides: Partial<typeof limits> = {},
): Promise<SandboxResult> {
  return sandbox.run(language, code, '', { ...limits, ...overrides });
}

function processesOf(uid: number): number {
  try {
    return execFileSync('ps', ['-o', 'pid=', '-u', String(uid)], { encoding: 'utf8' })
      .trim()
      .split('\n').length;
  } catch {
    return 0; // ps exits 1 when no process matches
  }
}

/** Killed processes take a moment to be reaped: wait (bounded) until none of the uid is left. */
async function settledProcessesOf(uid: number): Promise<number> {
  for (let i = 0; i < 50 && processesOf(uid) > 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  return processesOf(uid);
}

describe('code.execute sandbox (real bubblewrap, setpriv, prlimit)', () => {
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
      expect(await settledProcessesOf(config.sandboxUid)).toBe(0);
      // The machine still works: the next program runs normally.
      expect((await run('python', 'print("alive")')).stdout).toBe('alive\n');
    });

    it('kills an endless loop at the wall-clock limit', async () => {
      const result = await run('python', 'while True:\n    pass', { timeoutMs: 1500 });
      expect(result.timedOut).toBe(true);
      expect(result.durationMs).toBeGreaterThanOrEqual(1400);
      expect(result.durationMs).toBeLessThan(1500 + 3000);
      expect(await settledProcessesOf(config.sandboxUid)).toBe(0);
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
