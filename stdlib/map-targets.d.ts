/**
 * Map kinds that hold the kernel's own objects: redirect targets for XDP (devices, CPUs, AF_XDP
 * sockets), socket maps for sk_msg / sk_skb, and local storage owned by sockets, tasks, inodes and
 * cgroups. User space fills the first two with interface indexes, queue sizes and socket fds; local
 * storage values are created by programs for their owners.
 */
import type { KernelPtr, MapOptions, Ref, i64, u32 } from "./index.js";

/**
 * `struct bpf_devmap_val` (uapi linux/bpf.h), a devmap entry that also names an XDP program: the
 * interface to send to and, in `fd`, the fd of a `xdpMapEntry("devmap", ...)` program the kernel
 * runs on each frame redirected into the entry before sending it (0 or -1: none). `fd` and `id`
 * share storage (the union `bpf_prog`): user space writes the fd, lookups read back the program's id.
 */
export interface BpfDevmapVal {
  ifindex: u32;
  fd: u32;
  id: u32;
}
/**
 * BPF_MAP_TYPE_DEVMAP: slot (u32 index < maxEntries) → interface index (u32), the interfaces an XDP
 * program sends packets to with `redirectMap(map, slot, fallback)`. User space fills the slots.
 * `DevMap<BpfDevmapVal>` holds `struct bpf_devmap_val` values instead (an interface and a program).
 */
export declare class DevMap<V extends u32 | BpfDevmapVal = u32> {
  constructor(options: MapOptions);
}
/** BPF_MAP_TYPE_DEVMAP_HASH: like DevMap, keyed by any u32 (an ifindex, say) instead of a slot. */
export declare class DevMapHash<V extends u32 | BpfDevmapVal = u32> {
  constructor(options: MapOptions);
}
/**
 * `struct bpf_cpumap_val` (uapi linux/bpf.h), a cpumap entry that also names an XDP program: the
 * queue size and, in `fd`, the fd of a `xdpMapEntry("cpumap", ...)` program the CPU's kernel thread
 * runs on each frame before building its skb (0 or -1: none); `fd` and `id` share storage as in
 * BpfDevmapVal.
 */
export interface BpfCpumapVal {
  qsize: u32;
  fd: u32;
  id: u32;
}
/**
 * BPF_MAP_TYPE_CPUMAP: CPU number (u32) → queue size (u32); `redirectMap(map, cpu, fallback)` hands
 * the packet to that CPU's kernel thread. `CpuMap<BpfCpumapVal>` holds `struct bpf_cpumap_val`
 * values instead (a queue size and a program).
 */
export declare class CpuMap<V extends u32 | BpfCpumapVal = u32> {
  constructor(options: MapOptions);
}
/**
 * BPF_MAP_TYPE_XSKMAP: receive queue (u32) → AF_XDP socket fd (u32); `redirectMap(map, queue,
 * fallback)` delivers the frame to that socket.
 */
export declare class XskMap {
  constructor(options: MapOptions);
}
/**
 * redirectMap's flags: the low two bits are the verdict when the key has no entry (XDP_ABORTED,
 * XDP_DROP, XDP_PASS); BPF_F_BROADCAST sends to every entry (DevMap/DevMapHash), skipping the
 * receiving interface with BPF_F_EXCLUDE_INGRESS.
 */
export declare const BPF_F_BROADCAST: 8;
export declare const BPF_F_EXCLUDE_INGRESS: 16;

/**
 * BPF_MAP_TYPE_SOCKMAP: slot (u32 index < maxEntries) → socket. User space stores a socket's fd
 * (TCP established or listening, UDP, unix); `msgRedirectMap(ctx, map, slot, flags)` from sk_msg and
 * `skRedirectMap(ctx, map, slot, flags)` from sk_skb send data to it; sockops programs add sockets
 * with `sockMapUpdate`. sk_skb / sk_msg programs attach to a SockMap or SockHash.
 */
export declare class SockMap {
  constructor(options: MapOptions);
}
/**
 * BPF_MAP_TYPE_SOCKHASH: key K (a struct of addresses and ports, say) → socket, as SockMap but
 * hashed; `msgRedirectHash` / `skRedirectHash` / `sockHashUpdate` take a K.
 */
export declare class SockHash<K> {
  constructor(options: MapOptions);
}
/**
 * BPF_MAP_TYPE_REUSEPORT_SOCKARRAY: slot (u32 index < maxEntries) → socket of an SO_REUSEPORT group.
 * User space stores the fd (u32) of a bound UDP or listening TCP socket that set SO_REUSEPORT; an
 * sk_reuseport program picks the group member for a packet with `skSelectReuseport(ctx, map, slot,
 * 0)` (0, or -ENOENT for an empty slot) and returns SK_PASS.
 */
export declare class ReuseportSockArray {
  constructor(options: MapOptions);
}

/**
 * BPF_MAP_TYPE_CGROUP_ARRAY: slot (u32 index < maxEntries) → cgroup. User space stores a cgroup v2
 * directory's fd (in the VM: a cgroup id); `currentTaskUnderCgroup(map, slot)` and
 * `skbUnderCgroup(ctx, map, slot)` return 1 when the current task (the packet's socket) is in that
 * cgroup or below it, 0 when not, -EAGAIN for an empty slot, -E2BIG past the end.
 */
export declare class CgroupArray {
  constructor(options: MapOptions);
}

/**
 * BPF_MAP_TYPE_CGROUP_STORAGE (the legacy cgroup storage): one V per cgroup the program is attached
 * to, for cgroup programs (cgroup_skb, cgroup sock / sock_addr / sockopt / sysctl / dev, sockops);
 * `get()` is that cgroup's value (bpf_get_local_storage), never null. User space reads it by the
 * cgroup's id. Takes no maxEntries; one program type per map.
 */
export declare class CgroupStorage<V> {
  constructor(options?: StorageOptions);
  get(): Ref<V>;
}
/** BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE: CgroupStorage with one V per CPU (`get()` is this CPU's). */
export declare class PerCpuCgroupStorage<V> extends CgroupStorage<V> {}

/**
 * BPF_MAP_TYPE_ARENA: declared only, not supported yet (a declaration is error TSB3073): programs
 * would need __arena pointers (address space 1) and the arena kfuncs.
 */
export declare class ArenaMap {
  constructor(options: MapOptions);
}

/** Options of a local storage map: no maxEntries (one value per owner); flags default BPF_F_NO_PREALLOC. */
export interface StorageOptions {
  readonly flags?: number;
  readonly pinning?: MapOptions["pinning"];
}
/** What a local storage map's `get` and `delete` take as the owner of a value. */
export interface LocalStorage<Owner, V> {
  /**
   * The owner's value, or null when it has none; with flags BPF_LOCAL_STORAGE_GET_F_CREATE a
   * zeroed value is created for it first (bpf_<owner>_storage_get).
   */
  get(owner: Owner, flags?: number): Ref<V> | null;
  /** Removes the owner's value: 0 or -ENOENT (bpf_<owner>_storage_delete). */
  delete(owner: Owner): i64;
}
/**
 * BPF_MAP_TYPE_SK_STORAGE: one V per socket, e.g. from a cgroup sock program
 * (`storage.get(ctx, BPF_LOCAL_STORAGE_GET_F_CREATE)`) or sockops.
 */
export declare class SkStorage<V> implements LocalStorage<object, V> {
  constructor(options?: StorageOptions);
  get(owner: object, flags?: number): Ref<V> | null;
  delete(owner: object): i64;
}
/** BPF_MAP_TYPE_TASK_STORAGE: one V per task, owner `getCurrentTaskBtf()` or a task pointer argument. */
export declare class TaskStorage<V> implements LocalStorage<KernelPtr<"task_struct">, V> {
  constructor(options?: StorageOptions);
  get(owner: KernelPtr<"task_struct">, flags?: number): Ref<V> | null;
  delete(owner: KernelPtr<"task_struct">): i64;
}
/** BPF_MAP_TYPE_INODE_STORAGE: one V per inode, from LSM programs (owner a `struct inode *`). */
export declare class InodeStorage<V> implements LocalStorage<KernelPtr<"inode">, V> {
  constructor(options?: StorageOptions);
  get(owner: KernelPtr<"inode">, flags?: number): Ref<V> | null;
  delete(owner: KernelPtr<"inode">): i64;
}
/** BPF_MAP_TYPE_CGRP_STORAGE (Linux 6.2): one V per cgroup (owner a `struct cgroup *`). */
export declare class CgrpStorage<V> implements LocalStorage<KernelPtr<"cgroup">, V> {
  constructor(options?: StorageOptions);
  get(owner: KernelPtr<"cgroup">, flags?: number): Ref<V> | null;
  delete(owner: KernelPtr<"cgroup">): i64;
}
/** Local storage `get` flag: create the owner's value when it has none. */
export declare const BPF_LOCAL_STORAGE_GET_F_CREATE: 1;
