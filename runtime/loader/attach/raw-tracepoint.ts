/**
 * Raw tracepoints and BTF-typed tracing programs, both through BPF_RAW_TRACEPOINT_OPEN:
 * - SEC("raw_tp/<name>") (BPF_PROG_TYPE_RAW_TRACEPOINT): the tracepoint name is passed at attach time;
 * - SEC("tp_btf/..."), fentry, fexit, fmod_ret, lsm (BPF_PROG_TYPE_TRACING / LSM): the target was
 *   fixed at load time by attach_btf_id, so the name is NULL (kernel/bpf/syscall.c,
 *   bpf_raw_tp_link_attach / bpf_tracing_prog_attach; works since Linux 5.5).
 */
import { LoaderError } from "../errors.ts";
import { OwnedFd } from "../fd.ts";
import { bpf } from "../sys/bpf.ts";
import { BpfCmd } from "../sys/constants.ts";
import { RAW_TRACEPOINT } from "../sys/layouts.ts";
import { KernelLink } from "./link.ts";
import type { AttachableProgram } from "./perf-link.ts";

/** Attaches a raw tracepoint program to tracepoint `name` (e.g. `sys_enter`). */
export function attachRawTracepoint(prog: AttachableProgram, name: string): KernelLink {
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    throw new LoaderError(
      `raw tracepoint name must be an identifier like "sys_enter", got "${name}"`,
    );
  }
  const { ret } = bpf(
    BpfCmd.RAW_TRACEPOINT_OPEN,
    RAW_TRACEPOINT,
    { name: new TextEncoder().encode(`${name}\0`), prog_fd: prog.fd },
    `attaching "${prog.name}" to raw tracepoint ${name}`,
  );
  return new KernelLink("raw_tracepoint", name, [new OwnedFd(ret)]);
}

/**
 * Attaches a tracing program (fentry/fexit/fmod_ret/tp_btf/lsm) to the target it was loaded for.
 * `kind` and `target` only label the link.
 */
export function attachTracing(prog: AttachableProgram, kind: string, target: string): KernelLink {
  const { ret } = bpf(
    BpfCmd.RAW_TRACEPOINT_OPEN,
    RAW_TRACEPOINT,
    { name: 0n, prog_fd: prog.fd },
    `attaching ${kind} program "${prog.name}" to ${target}`,
  );
  return new KernelLink(kind, target, [new OwnedFd(ret)]);
}
