/**
 * Kernel fixture: local storage. A tp_btf program on sys_enter counts each task's system calls in
 * its task storage (owner `getCurrentTaskBtf()`) and copies the count of the task whose tgid user
 * space put in `watch[0]` to `seen[0]`; a cgroup sock_create program tags each new socket in its sk
 * storage (owner the ctx socket; sock programs may not delete it), counts the sockets in `seen[1]` and
 * records what it saw in `seen[2]`. Two raw tracepoint programs, which BPF_PROG_TEST_RUN runs on the
 * calling task, count runs per task (`bump`) and run every task storage operation (`taskOps`), so the
 * kernel and the VM can be compared run by run. Inode and cgroup storage maps are created with the
 * object (their owners come from LSM hooks and cgroup pointers).
 */
import {
  ArrayMap,
  BPF_LOCAL_STORAGE_GET_F_CREATE,
  CgrpStorage,
  InodeStorage,
  SkStorage,
  TaskStorage,
  atomicAdd,
  cgroupSock,
  getCurrentPidTgid,
  getCurrentTaskBtf,
  rawTracepoint,
  tpBtf,
  type u32,
  type u64,
} from "tsbpf";

interface Calls {
  count: u64;
}

export const perTask = new TaskStorage<Calls>();
export const runsPerTask = new TaskStorage<u32>();
export const scratch = new TaskStorage<u32>();
export const perSocket = new SkStorage<u32>();
export const perInode = new InodeStorage<u64>();
export const perCgroup = new CgrpStorage<u64>();
/** [0]: the tgid to report. */
export const watch = new ArrayMap<u32>({ maxEntries: 1 });
/** [0]: the watched task's count; [1]: sockets tagged; [2]: the last socket's operation bits. */
export const seen = new ArrayMap<u64>({ maxEntries: 3 });

export const countCalls = tpBtf("sys_enter", () => {
  const c = perTask.get(getCurrentTaskBtf(), BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (c === null) return 0;
  c.value.count += 1;
  const w = watch.lookup(0);
  const out = seen.lookup(0);
  if (w !== null && out !== null && w.value === getCurrentPidTgid() >> 32)
    out.value = c.value.count;
  return 0;
});

/** One bit per sk storage operation that behaved as the kernel documents (all: 7). */
export const tagSocket = cgroupSock("sock_create", (ctx) => {
  let bits: u64 = 0;
  if (perSocket.get(ctx) === null) bits |= 1;
  const tag = perSocket.get(ctx, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (tag !== null && tag.value === 0) {
    tag.value = 7;
    bits |= 2;
  }
  const again = perSocket.get(ctx);
  if (again !== null && again.value === 7) bits |= 4;
  const n = seen.lookup(1);
  if (n !== null) atomicAdd(n.value, 1);
  const b = seen.lookup(2);
  if (b !== null) b.value = bits;
  return 1;
});

/** The calling task's run count, kept in its task storage across runs. */
export const bump = rawTracepoint("sys_enter", () => {
  const c = runsPerTask.get(getCurrentTaskBtf(), BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (c === null) return 0;
  c.value += 1;
  return c.value;
});

/** One bit per task storage operation that behaved as the kernel documents (all: 255). */
export const taskOps = rawTracepoint("sys_enter", () => {
  const t = getCurrentTaskBtf();
  let bits = 0;
  if (scratch.get(t) === null) bits |= 1;
  if (scratch.get(t, 2) === null) bits |= 2; // a flag other than F_CREATE: NULL
  const a = scratch.get(t, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (a !== null && a.value === 0) {
    a.value = 5;
    bits |= 4;
  }
  const b = scratch.get(t, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (b !== null && b.value === 5) bits |= 8;
  if (scratch.delete(t) === 0) bits |= 16;
  if (scratch.delete(t) === -2) bits |= 32; // -ENOENT
  if (scratch.get(t) === null) bits |= 64;
  if (runsPerTask.get(t) !== null) bits |= 128; // bump's value is another map's
  return bits;
});

export const license = "GPL";
