import { describe, expect, it } from 'vitest';
import { buildSeccompFilter, CLONE_NAMESPACE_FLAGS } from './sandbox-seccomp.js';

const AUDIT_ARCH_X86_64 = 0xc000003e;
const AUDIT_ARCH_I386 = 0x40000003;
const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const ENOSYS = 0x00050026;
const KILL_PROCESS = 0x80000000;

/** Runs the classic BPF program on one seccomp_data (nr, arch, first argument), as the kernel would. */
function evaluate(program: Buffer, arch: number, nr: number, arg0 = 0): number {
  const data = Buffer.alloc(64);
  data.writeInt32LE(nr, 0);
  data.writeUInt32LE(arch, 4);
  data.writeUInt32LE(arg0 >>> 0, 16);
  let acc = 0;
  for (let pc = 0; pc < program.length / 8;) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    pc++;
    switch (code) {
      case 0x20:
        acc = data.readUInt32LE(k);
        break;
      case 0x15:
        pc += acc === k ? jt : jf;
        break;
      case 0x35:
        pc += acc >= k ? jt : jf;
        break;
      case 0x45:
        pc += (acc & k) !== 0 ? jt : jf;
        break;
      case 0x06:
        return k;
      default:
        throw new Error(`unexpected opcode ${code}`);
    }
  }
  throw new Error('fell off the end of the program');
}

describe('the sandbox seccomp filter (x86_64)', () => {
  const program = buildSeccompFilter('x64');

  it('allows what programs need', () => {
    for (const nr of [0, 1, 2, 3, 9, 39, 57, 59, 60, 61, 231, 257])
      expect(evaluate(program, AUDIT_ARCH_X86_64, nr)).toBe(ALLOW);
  });

  it('refuses tracing, mounts, keyrings, bpf, namespaces, modules, reboot and kexec with EPERM', () => {
    for (const nr of [101, 165, 166, 250, 248, 249, 321, 272, 308, 175, 313, 176, 169, 246, 320, 298, 425])
      expect(evaluate(program, AUDIT_ARCH_X86_64, nr), `syscall ${nr}`).toBe(EPERM);
  });

  it('lets clone make threads and processes, not namespaces; clone3 answers ENOSYS', () => {
    const SIGCHLD = 17;
    const THREAD = 0x3d0f00; // glibc's pthread_create flags
    expect(evaluate(program, AUDIT_ARCH_X86_64, 56, SIGCHLD)).toBe(ALLOW);
    expect(evaluate(program, AUDIT_ARCH_X86_64, 56, THREAD)).toBe(ALLOW);
    for (const flag of [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000])
      expect(evaluate(program, AUDIT_ARCH_X86_64, 56, SIGCHLD | flag)).toBe(EPERM);
    expect(CLONE_NAMESPACE_FLAGS & THREAD).toBe(0);
    expect(evaluate(program, AUDIT_ARCH_X86_64, 435)).toBe(ENOSYS);
  });

  it('kills another ABI and refuses x32 numbers', () => {
    expect(evaluate(program, AUDIT_ARCH_I386, 26)).toBe(KILL_PROCESS);
    expect(evaluate(program, AUDIT_ARCH_X86_64, 0x40000000 + 101)).toBe(EPERM);
    expect(evaluate(program, AUDIT_ARCH_X86_64, 0x40000000)).toBe(EPERM);
  });

  it('has no table for other architectures', () => {
    expect(() => buildSeccompFilter('arm64')).toThrow(/no syscall table for architecture arm64/);
  });
});
