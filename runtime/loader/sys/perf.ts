/**
 * perf_event_open(2) and the perf ioctls the loader uses (include/uapi/linux/perf_event.h).
 *
 * Consumes: a `PerfEventSpec` (type, config, sampling). Produces: an `OwnedFd` for the event, which
 * BPF_LINK_CREATE (attach type BPF_PERF_EVENT) or PERF_EVENT_IOC_SET_BPF binds a program to.
 *
 * `struct perf_event_attr` is encoded with the same layout machinery as bpf_attr, up to
 * `branch_sample_type` (PERF_ATTR_SIZE_VER2, 80 bytes), which every kernel since 3.x accepts.
 * `readProbePmu` reads a dynamic probe PMU (kprobe, uprobe) from sysfs.
 */
import { existsSync, readFileSync } from "node:fs";
import { KernelError } from "../errors.ts";
import { OwnedFd } from "../fd.ts";
import { defineLayout, encodeAttr } from "./attr.ts";
import { SYS } from "./constants.ts";
import { rawIoctl, rawPerfEventOpen } from "./libc.ts";

/** PERF_TYPE_* (enum perf_type_id). */
export const PerfType = { HARDWARE: 0, SOFTWARE: 1, TRACEPOINT: 2 } as const;

/** PERF_COUNT_SW_* (enum perf_sw_ids). */
export const PerfSwConfig = { CPU_CLOCK: 0, TASK_CLOCK: 1 } as const;

/** Bits of the perf_event_attr flags word. */
const FLAG = { disabled: 1n << 0n, freq: 1n << 10n } as const;

/** PERF_FLAG_FD_CLOEXEC. */
const PERF_FLAG_FD_CLOEXEC = 8;

/** ioctl request numbers: _IO('$', 0), _IO('$', 1), _IOW('$', 8, __u32). */
export const PerfIoctl = { ENABLE: 0x2400, DISABLE: 0x2401, SET_BPF: 0x40042408 } as const;

const PERF_ATTR = defineLayout([
  ["type", "u32"],
  ["size", "u32"],
  ["config", "u64"],
  ["sample_period", "u64"],
  ["sample_type", "u64"],
  ["read_format", "u64"],
  ["flags", "u64"],
  ["wakeup_events", "u32"],
  ["bp_type", "u32"],
  ["config1", "ptr"], // kprobe/uprobe PMUs: address of the name/path string
  ["config2", "u64"],
  ["branch_sample_type", "u64"],
]);

/** What event to open. */
export interface PerfEventSpec {
  readonly type: number;
  readonly config: bigint | number;
  /** Sample every N events, or N times per second when `frequency` is set. */
  readonly samplePeriod?: number;
  readonly frequency?: boolean;
  /** kprobe/uprobe PMUs: pointer to the name/path string, and the offset. */
  readonly config1?: Uint8Array | bigint;
  readonly config2?: bigint | number;
  /** -1 = every process (needs a cpu); else a pid. */
  readonly pid?: number;
  /** -1 = any cpu (needs a pid); else a cpu number. */
  readonly cpu?: number;
  /** Open disabled (enable with `perfIoctl(fd, ENABLE)`). */
  readonly disabled?: boolean;
}

/** Opens a perf event; throws `KernelError` naming `what` on failure. */
export function perfEventOpen(spec: PerfEventSpec, what: string): OwnedFd {
  let flags = 0n;
  if (spec.frequency) flags |= FLAG.freq;
  if (spec.disabled) flags |= FLAG.disabled;
  const attr = encodeAttr(PERF_ATTR, {
    type: spec.type,
    size: PERF_ATTR.size,
    config: BigInt(spec.config),
    sample_period: spec.samplePeriod ?? 0,
    flags,
    wakeup_events: 1,
    config1: spec.config1,
    config2: spec.config2,
  });
  const r = rawPerfEventOpen(
    SYS.perf_event_open,
    attr,
    spec.pid ?? -1,
    spec.cpu ?? 0,
    -1,
    PERF_FLAG_FD_CLOEXEC,
  );
  if (r.ret < 0) throw new KernelError("perf_event_open", r.errno, what);
  return new OwnedFd(r.ret);
}

/** Issues a perf ioctl; throws `KernelError` on failure. */
export function perfIoctl(fd: number, request: number, arg: number, what: string): void {
  const r = rawIoctl(fd, request, arg);
  if (r.ret < 0) throw new KernelError("ioctl", r.errno, what);
}

/** A dynamic probe PMU: its perf type and the config bit that asks for a return probe. */
export interface ProbePmu {
  readonly type: number;
  readonly retprobeBit: number;
}

/**
 * Reads the PMU at `dir` (e.g. /sys/bus/event_source/devices/kprobe): `type` holds the perf type and
 * `format/retprobe` the retprobe bit as `config:N` (bit 0 when the file is missing). Undefined when
 * this kernel has no such PMU.
 */
export function readProbePmu(dir: string): ProbePmu | undefined {
  if (!existsSync(`${dir}/type`)) return undefined;
  const type = Number(readFileSync(`${dir}/type`, "utf8").trim());
  const fmt = existsSync(`${dir}/format/retprobe`)
    ? readFileSync(`${dir}/format/retprobe`, "utf8").trim()
    : "config:0";
  return { type, retprobeBit: Number(/config:(\d+)/.exec(fmt)?.[1] ?? 0) };
}
