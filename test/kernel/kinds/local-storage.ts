/**
 * Kernel fixture: local storage. A tp_btf program on sys_enter counts each task's system calls in
 * its task storage (owner `getCurrentTaskBtf()`) and copies the count of the task whose tgid user
 * space put in `watch[0]` to `seen[0]`; a cgroup sock_create program tags each new socket in its sk
 * storage (owner the ctx socket) and counts how many it tagged. Inode and cgroup storage maps are
 * created with the object (their owners come from LSM hooks and cgroup pointers).
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
  tpBtf,
  type u32,
  type u64,
} from "tsbpf";

interface Calls {
  count: u64;
}

export const perTask = new TaskStorage<Calls>();
export const perSocket = new SkStorage<u32>();
export const perInode = new InodeStorage<u64>();
export const perCgroup = new CgrpStorage<u64>();
/** [0]: the tgid to report. */
export const watch = new ArrayMap<u32>({ maxEntries: 1 });
/** [0]: the watched task's count; [1]: sockets tagged. */
export const seen = new ArrayMap<u64>({ maxEntries: 2 });

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

export const tagSocket = cgroupSock("sock_create", (ctx) => {
  const tag = perSocket.get(ctx, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (tag !== null) {
    tag.value = 7;
    const n = seen.lookup(1);
    if (n !== null) atomicAdd(n.value, 1);
  }
  return 1;
});

export const license = "GPL";
