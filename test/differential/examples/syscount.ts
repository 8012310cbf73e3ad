/**
 * syscount (a raw_syscalls/sys_enter tracepoint program) on both sides. BPF_PROG_TEST_RUN cannot
 * drive tracepoint programs (the kernel answers ENOTSUPP), so the kernel side attaches the program
 * for real and a child process makes the system calls; the VM side runs the program on synthetic
 * tracepoint records describing the same calls.
 *
 * What can be compared exactly: the child makes system calls with numbers no kernel implements
 * (`EXOTIC_BASE` and up; they fail with ENOSYS, but raw_syscalls/sys_enter fires before the number is
 * checked, kernel/entry/common.c `syscall_trace_enter`), so no other process on the machine makes
 * them, and the kernel's `bySyscall` entries for those numbers must equal the VM's. The child's
 * `byPid` count cannot be predicted (its interpreter's own start-up calls count too), so the kernel's
 * must be at least the VM's, which is exactly the number of calls made.
 *
 * Consumes the example's ELF bytes and a plan (the ordered list of numbers the child calls);
 * produces `SyscountResult`s: the `bySyscall` entries at or above `EXOTIC_BASE`, and the `byPid`
 * entry of the process. The child is `perl -e 'syscall(N)...'` (perl's `syscall` makes the raw call).
 */
import { spawnSync } from "node:child_process";
import { loadObject } from "../../../runtime/loader/index.ts";
import { VmObject } from "../../../runtime/vm/api.ts";
import type { Engine } from "../../../runtime/vm/index.ts";
import { Rng } from "../../support/gen/rng.ts";
import { le } from "./specs.ts";

/** The first system call number the child uses; far above any x86_64 syscall. */
export const EXOTIC_BASE = 3000;

/** What one side counted. */
export interface SyscountResult {
  /** bySyscall entries with id >= EXOTIC_BASE. */
  readonly bySyscall: ReadonlyMap<number, bigint>;
  /** byPid entry of the process that made the calls (0n when absent). */
  readonly byPid: bigint;
}

/** A seeded sequence of `count` exotic system call numbers (a handful of distinct ones). */
export function planSyscalls(seed: number, count: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => EXOTIC_BASE + rng.int(0, 6));
}

const u32At = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0, true);
const u64At = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);

function exotic(entries: Iterable<[Uint8Array, Uint8Array]>): Map<number, bigint> {
  const out = new Map<number, bigint>();
  for (const [k, v] of entries) if (u32At(k) >= EXOTIC_BASE) out.set(u32At(k), u64At(v));
  return new Map([...out].sort(([a], [b]) => a - b));
}

/** Runs `plan` in a perl child with syscount attached; returns the child's pid and the counts. */
export function runSyscountOnKernel(
  bytes: Uint8Array,
  plan: readonly number[],
): SyscountResult & { readonly pid: number } {
  const loaded = loadObject(bytes, { programs: ["countSyscalls"] });
  try {
    loaded.attach("countSyscalls");
    const script = `syscall($_) for (${plan.join(",")}); print $$;`;
    const child = spawnSync("perl", ["-e", script], { encoding: "utf8", timeout: 30_000 });
    if (child.error || child.status !== 0) {
      throw new Error(
        `perl child failed: ${child.error?.message ?? `exit ${child.status}`} ${child.stderr ?? ""}`,
      );
    }
    const pid = Number(child.stdout.trim());
    if (!Number.isInteger(pid) || pid !== child.pid) {
      throw new Error(`perl child printed pid "${child.stdout}", spawn says ${child.pid}`);
    }
    const byPid = loaded.map("byPid").lookup(le(pid, 4));
    return {
      pid,
      bySyscall: exotic(loaded.map("bySyscall").entries()),
      byPid: byPid ? u64At(byPid) : 0n,
    };
  } finally {
    loaded.close();
  }
}

/** One raw_syscalls/sys_enter record (tracefs format: trace_entry, long id, unsigned long args[6]). */
export function sysEnterRecord(pid: number, id: number): Uint8Array {
  const rec = new Uint8Array(64);
  const view = new DataView(rec.buffer);
  view.setUint16(0, 300, true); // common_type: any event id; the program does not read it
  view.setInt32(4, pid, true); // common_pid
  view.setBigInt64(8, BigInt(id), true);
  return rec;
}

/** Runs syscount in the VM on one record per call of `plan`, as process `pid`. */
export function runSyscountOnVm(
  bytes: Uint8Array,
  plan: readonly number[],
  pid: number,
  engine: Engine["kind"],
): SyscountResult {
  const obj = VmObject.load(bytes, { engine, process: { pid, tgid: pid } });
  try {
    const prog = obj.program("countSyscalls");
    for (const id of plan) {
      const r0 = prog.run({ ctx: sysEnterRecord(pid, id) }).r0;
      if (r0 !== 0n) throw new Error(`countSyscalls returned ${r0} for syscall ${id}`);
    }
    const byPid = obj.map("byPid").get(le(pid, 4));
    return {
      bySyscall: exotic(obj.map("bySyscall").entries()),
      byPid: byPid ? u64At(byPid) : 0n,
    };
  } finally {
    obj.dispose();
  }
}
