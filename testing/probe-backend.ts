/**
 * What a probe's tests need from a target, as plain bytes: run a program on an input, read and
 * write maps, drain ring buffers / perf event arrays and printk lines, and fire tracing programs
 * while an action runs. probe.ts decodes everything with the probe's own types; probe-vm.ts (the
 * bundled VM) and probe-kernel.ts (the live kernel) implement it.
 */
import type { FakeProcess } from "../runtime/helpers/index.ts";
import type { AttachOptions } from "../runtime/loader/index.ts";
import type { RawMapSource } from "../runtime/user/typed-map.ts";
import type { SocketRedirect } from "../runtime/helpers/socket-redirect.ts";
import type { RedirectTarget } from "../runtime/vm/packet.ts";
import type { IterElement } from "../runtime/vm/iter.ts";

/** Where a probe runs. */
export type ProbeTarget = "vm" | "kernel";

/** One program run, as bytes. */
export interface BackendRun {
  readonly program: string;
  /** A packet (XDP, tc, socket filters): the target builds the context around it. */
  readonly packet?: Uint8Array;
  /** Raw context bytes (tracepoint records, ...). */
  readonly ctx?: Uint8Array;
  /** u64 arguments (raw tracepoints, fentry/fexit, tp_btf). */
  readonly args?: readonly (bigint | number)[];
  /** Runs (the kernel reports the mean duration; the result is the last run's). */
  readonly repeat?: number;
  /** VM only: the CPU and process the helpers observe during this run. */
  readonly cpu?: number;
  readonly process?: Partial<FakeProcess>;
  /** VM only: interface index the packet arrives on. */
  readonly ifindex?: number;
}

/** The outcome of a run, as bytes. */
export interface BackendResult {
  /** r0 at exit (the kernel reports its low 32 bits). */
  readonly r0: bigint;
  readonly packetOut: Uint8Array | undefined;
  readonly ctxOut: Uint8Array | undefined;
  /** VM only: where the packet was redirected (`ProbeRunResult.redirect`). */
  readonly redirect?: RedirectTarget;
  /** VM only: where an sk_msg / sk_skb program redirected (`ProbeRunResult.socketRedirect`). */
  readonly socketRedirect?: SocketRedirect;
  /** Kernel only: mean nanoseconds per run. */
  readonly durationNs?: number;
}

/** What `trigger` does on each target. */
export interface TriggerOptions {
  /** Programs to fire (function names); default every tracing program of the object. */
  readonly programs?: readonly string[];
  /**
   * VM: the runs that stand for the action (the action itself does not run: nothing in this
   * process reaches the VM's hooks).
   */
  readonly vm?: readonly BackendRun[];
  /** Kernel: passed to attach (perf_event sampling, uprobe target, ...). */
  readonly attach?: AttachOptions;
}

/** A loaded probe on one target. */
export interface ProbeBackend {
  readonly target: ProbeTarget;
  /** Program type name without prefix (`XDP`), or undefined. */
  progType(program: string): string | undefined;
  run(input: BackendRun): BackendResult;
  /** A map's bytes (`counts`, `.bss`, ...). */
  map(name: string): RawMapSource;
  /**
   * The u32 that stands for map `name` in a map-of-maps slot update: its fd on the kernel (what
   * bpf_map_update_elem takes), its id in the VM.
   */
  mapRef(name: string): number;
  /** What stands for program `name` in a map value (a devmap entry's fd): its fd, or VM id. */
  programRef(name: string): number;
  /** Records of a ring buffer or perf event array since the last call. */
  drain(name: string): Uint8Array[];
  /** printk lines since the last call. */
  printk(): string[];
  trigger(action: () => unknown, opts: TriggerOptions): Promise<void>;
  /**
   * Runs an iterator program over its target's objects once; returns what it printed. The kernel
   * walks its own objects; the VM walks `elements`.
   */
  iterate(program: string, elements?: readonly IterElement[]): string;
  close(): Promise<void>;
}
