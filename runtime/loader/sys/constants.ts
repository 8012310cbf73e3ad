/**
 * The kernel uapi numbers the loader uses, under short names (`BpfCmd.MAP_CREATE`), derived from the
 * generated tables and kind records in core/kernel (linux/bpf.h) plus the few numbers those tables do not cover
 * (x86_64 syscall numbers, XDP attach flags, the verifier log limit).
 *
 * Invariant: nothing else in runtime/loader hard-codes a bpf.h enum value.
 */
import {
  BPF_ATTACH_TYPE,
  BPF_CMD,
  BPF_CONSTANTS,
  BPF_MAP_TYPE,
  BPF_PROG_TYPE,
} from "../../../core/kernel/index.ts";

type Strip<T, P extends string> = {
  readonly [K in keyof T as K extends `${P}${infer R}` ? R : never]: T[K];
};

function strip<T extends Readonly<Record<string, number>>, P extends string>(
  table: T,
  prefix: P,
): Strip<T, P> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(table))
    if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out as Strip<T, P>;
}

/** x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
export const SYS = { bpf: 321, perf_event_open: 298 } as const;

/** `enum bpf_cmd` without the `BPF_` prefix. */
export const BpfCmd = strip(BPF_CMD, "BPF_");

/** `enum bpf_map_type` without the `BPF_MAP_TYPE_` prefix. */
export const MapType = strip(BPF_MAP_TYPE, "BPF_MAP_TYPE_");

/** `enum bpf_prog_type` without the `BPF_PROG_TYPE_` prefix. */
export const ProgType = strip(BPF_PROG_TYPE, "BPF_PROG_TYPE_");

/** `enum bpf_attach_type` without the `BPF_` prefix, including types newer than the header. */
export const AttachType = strip(BPF_ATTACH_TYPE, "BPF_");

/**
 * Map flags (`BPF_F_*` for MAP_CREATE) the loader uses; BPF_F_LINK (1U << 13, Linux 6.4: newer
 * than the header the tables come from) makes a struct_ops map register through a BPF link.
 */
export const MapFlag = {
  NO_PREALLOC: BPF_CONSTANTS.BPF_F_NO_PREALLOC,
  RDONLY_PROG: BPF_CONSTANTS.BPF_F_RDONLY_PROG,
  MMAPABLE: BPF_CONSTANTS.BPF_F_MMAPABLE,
  LINK: 1 << 13,
} as const;

/** Update flags for MAP_UPDATE_ELEM. */
export const UpdateFlag = {
  ANY: BPF_CONSTANTS.BPF_ANY,
  NOEXIST: BPF_CONSTANTS.BPF_NOEXIST,
  EXIST: BPF_CONSTANTS.BPF_EXIST,
} as const;

/** XDP attach flags (`XDP_FLAGS_*`, linux/if_link.h). */
export const XdpFlag = { UPDATE_IF_NOEXIST: 1, SKB_MODE: 2, DRV_MODE: 4, HW_MODE: 8 } as const;

/** Prog load flag BPF_F_SLEEPABLE. */
export const PROG_F_SLEEPABLE = BPF_CONSTANTS.BPF_F_SLEEPABLE;

/** Prog load flag BPF_F_XDP_HAS_FRAGS (an XDP program that handles multi-buffer frames). */
export const PROG_F_XDP_HAS_FRAGS = BPF_CONSTANTS.BPF_F_XDP_HAS_FRAGS;

/** Largest verifier log buffer we grow to (the kernel accepts up to UINT_MAX >> 2). */
export const MAX_LOG_SIZE = 1 << 30;

/**
 * Return-probe flags of multi-probe links: BPF_F_KPROBE_MULTI_RETURN (linux/bpf.h), and
 * BPF_F_UPROBE_MULTI_RETURN (1U << 0, Linux 6.6: newer than the header the tables come from).
 */
export const MultiProbeFlag = {
  KPROBE_RETURN: BPF_CONSTANTS.BPF_F_KPROBE_MULTI_RETURN,
  UPROBE_RETURN: 1,
} as const;
