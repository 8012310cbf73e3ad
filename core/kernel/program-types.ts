/**
 * Each program type's context: the uapi struct a program sees (`ctx`) and the kernel struct the
 * verifier rewrites its accesses to. From the kernel's include/linux/bpf_types.h `BPF_PROG_TYPE(...)`
 * rows, which are not an installed header; test/vm-system/kernel-records.test.ts checks every row
 * against the running kernel's BTF (`struct bpf_ctx_convert`, which the kernel builds from the same
 * rows) when it is readable. Hand-written.
 */

/** The context structs of one program type. */
export interface ProgramTypeContext {
  /** uapi struct the program reads (`__sk_buff`), or null for an untyped `void *` / `__u64 *`. */
  readonly uapi: string | null;
  /** Kernel struct behind it (`sk_buff`). */
  readonly kernel: string | null;
}

/** Program type (BPF_PROG_TYPE_* without prefix) → its context. */
export const PROGRAM_TYPE_CONTEXTS: Readonly<Record<string, ProgramTypeContext>> = {
  SOCKET_FILTER: { uapi: "__sk_buff", kernel: "sk_buff" },
  SCHED_CLS: { uapi: "__sk_buff", kernel: "sk_buff" },
  SCHED_ACT: { uapi: "__sk_buff", kernel: "sk_buff" },
  XDP: { uapi: "xdp_md", kernel: "xdp_buff" },
  CGROUP_SKB: { uapi: "__sk_buff", kernel: "sk_buff" },
  CGROUP_SOCK: { uapi: "bpf_sock", kernel: "sock" },
  CGROUP_SOCK_ADDR: { uapi: "bpf_sock_addr", kernel: "bpf_sock_addr_kern" },
  LWT_IN: { uapi: "__sk_buff", kernel: "sk_buff" },
  LWT_OUT: { uapi: "__sk_buff", kernel: "sk_buff" },
  LWT_XMIT: { uapi: "__sk_buff", kernel: "sk_buff" },
  LWT_SEG6LOCAL: { uapi: "__sk_buff", kernel: "sk_buff" },
  SOCK_OPS: { uapi: "bpf_sock_ops", kernel: "bpf_sock_ops_kern" },
  SK_SKB: { uapi: "__sk_buff", kernel: "sk_buff" },
  SK_MSG: { uapi: "sk_msg_md", kernel: "sk_msg" },
  FLOW_DISSECTOR: { uapi: "__sk_buff", kernel: "bpf_flow_dissector" },
  KPROBE: { uapi: "pt_regs", kernel: "pt_regs" },
  TRACEPOINT: { uapi: null, kernel: null },
  PERF_EVENT: { uapi: "bpf_perf_event_data", kernel: "bpf_perf_event_data_kern" },
  RAW_TRACEPOINT: { uapi: "bpf_raw_tracepoint_args", kernel: null },
  RAW_TRACEPOINT_WRITABLE: { uapi: "bpf_raw_tracepoint_args", kernel: null },
  TRACING: { uapi: null, kernel: null },
  CGROUP_DEVICE: { uapi: "bpf_cgroup_dev_ctx", kernel: "bpf_cgroup_dev_ctx" },
  CGROUP_SYSCTL: { uapi: "bpf_sysctl", kernel: "bpf_sysctl_kern" },
  CGROUP_SOCKOPT: { uapi: "bpf_sockopt", kernel: "bpf_sockopt_kern" },
  LIRC_MODE2: { uapi: null, kernel: null },
  SK_REUSEPORT: { uapi: "sk_reuseport_md", kernel: "sk_reuseport_kern" },
  SK_LOOKUP: { uapi: "bpf_sk_lookup", kernel: "bpf_sk_lookup_kern" },
  STRUCT_OPS: { uapi: null, kernel: null },
  EXT: { uapi: null, kernel: null },
  LSM: { uapi: null, kernel: null },
  SYSCALL: { uapi: null, kernel: null },
  NETFILTER: { uapi: "bpf_nf_ctx", kernel: "bpf_nf_ctx" },
};
