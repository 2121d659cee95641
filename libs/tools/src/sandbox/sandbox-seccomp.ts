/**
 * The sandbox's seccomp filter, assembled here as classic BPF (what `bwrap --seccomp <fd>` loads). Generating
 * it in TypeScript needs no compiler, no libseccomp and nothing in the tool cache: a clean machine has it.
 *
 * It refuses, with EPERM, what a short Python/Node/bash program never needs and what widens the kernel surface:
 * tracing, mounting, keyrings, BPF, new namespaces (unshare, setns, clone with CLONE_NEW*), modules, reboot,
 * kexec, perf, io_uring, and the like. clone3 answers ENOSYS: its flags sit in memory that seccomp cannot read,
 * and libc then falls back to clone, whose flags it can. A call of another ABI (i386 through int 0x80) kills the
 * process; x32 numbers (bit 30) are refused.
 */

/** x86_64 numbers (asm/unistd_64.h). Only this architecture has a table: others are refused at start-up. */
const X86_64_DENIED: Record<string, number> = {
  ptrace: 101,
  process_vm_readv: 310,
  process_vm_writev: 311,
  kcmp: 312,
  mount: 165,
  umount2: 166,
  pivot_root: 155,
  chroot: 161,
  move_mount: 429,
  open_tree: 428,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  mount_setattr: 442,
  unshare: 272,
  setns: 308,
  keyctl: 250,
  add_key: 248,
  request_key: 249,
  bpf: 321,
  perf_event_open: 298,
  userfaultfd: 323,
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  init_module: 175,
  finit_module: 313,
  delete_module: 176,
  create_module: 174,
  reboot: 169,
  kexec_load: 246,
  kexec_file_load: 320,
  swapon: 167,
  swapoff: 168,
  acct: 163,
  quotactl: 179,
  settimeofday: 164,
  clock_settime: 227,
  adjtimex: 159,
  clock_adjtime: 305,
  iopl: 172,
  ioperm: 173,
  open_by_handle_at: 304,
  name_to_handle_at: 303,
  lookup_dcookie: 212,
  uselib: 134,
  vhangup: 153,
};
const X86_64_CLONE = 56;
const X86_64_CLONE3 = 435;
const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;

/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME. */
export const CLONE_NAMESPACE_FLAGS =
  0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x80;

// Classic BPF opcodes (linux/filter.h, linux/seccomp.h).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;
const RET_KILL_PROCESS = 0x80000000;
const RET_ALLOW = 0x7fff0000;
const retErrno = (errno: number): number => 0x00050000 | errno;
const EPERM = 1;
const ENOSYS = 38;
// struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6] (little endian).
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const OFFSET_ARG0_LOW = 16;

type Label = 'allow' | 'eperm' | 'enosys' | 'kill' | 'next';
interface Insn {
  code: number;
  k: number;
  jt?: Label;
  jf?: Label;
  label?: Label;
}

/** The names the filter refuses (for logs and docs). */
export const DENIED_SYSCALLS = [...Object.keys(X86_64_DENIED), 'clone(CLONE_NEW*)', 'clone3 (ENOSYS)'];

/** Whether this process's architecture has a filter (`process.arch`). */
export function seccompSupported(arch: string = process.arch): boolean {
  return arch === 'x64';
}

/** The filter as bytes: struct sock_filter[] (u16 code, u8 jt, u8 jf, u32 k), host (little endian) order. */
export function buildSeccompFilter(arch: string = process.arch): Buffer {
  if (!seccompSupported(arch))
    throw new Error(`seccomp: no syscall table for architecture ${arch} (only x64)`);
  const program: Insn[] = [
    { code: LD_W_ABS, k: OFFSET_ARCH },
    { code: JEQ_K, k: AUDIT_ARCH_X86_64, jt: 'next', jf: 'kill' },
    { code: LD_W_ABS, k: OFFSET_NR, label: 'next' },
    { code: JGE_K, k: X32_SYSCALL_BIT, jt: 'eperm' },
    ...Object.values(X86_64_DENIED).map((nr): Insn => ({ code: JEQ_K, k: nr, jt: 'eperm' })),
    { code: JEQ_K, k: X86_64_CLONE3, jt: 'enosys' },
    { code: JEQ_K, k: X86_64_CLONE, jf: 'allow' },
    // clone: refuse any namespace flag (the flags are the first argument; all of them sit in its low word).
    { code: LD_W_ABS, k: OFFSET_ARG0_LOW },
    { code: JSET_K, k: CLONE_NAMESPACE_FLAGS, jt: 'eperm', jf: 'allow' },
    { code: RET_K, k: RET_ALLOW, label: 'allow' },
    { code: RET_K, k: retErrno(EPERM), label: 'eperm' },
    { code: RET_K, k: retErrno(ENOSYS), label: 'enosys' },
    { code: RET_K, k: RET_KILL_PROCESS, label: 'kill' },
  ];
  const at = new Map<Label, number>();
  program.forEach((insn, index) => {
    if (insn.label) at.set(insn.label, index);
  });
  const out = Buffer.alloc(program.length * 8);
  program.forEach((insn, index) => {
    // A jump offset counts instructions after the next one; an absent target falls through (0).
    const offset = (label: Label | undefined): number => {
      if (label === undefined) return 0;
      const target = at.get(label);
      const distance = target === undefined ? -1 : target - index - 1;
      if (distance < 0 || distance > 255) throw new Error(`seccomp: jump to ${label} out of range`);
      return distance;
    };
    out.writeUInt16LE(insn.code, index * 8);
    out.writeUInt8(offset(insn.jt), index * 8 + 2);
    out.writeUInt8(offset(insn.jf), index * 8 + 3);
    out.writeUInt32LE(insn.k >>> 0, index * 8 + 4);
  });
  return out;
}
