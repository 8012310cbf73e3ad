/**
 * The one bpf(2) entry point: encodes a command's attr, issues the syscall, retries on EINTR (and on
 * EAGAIN for PROG_LOAD, as libbpf does), and turns -1 into a `KernelError` naming the command.
 *
 * Consumes: a command number, its attr layout and field values. Produces: the non-negative return
 * value (an fd for creating commands, else 0) and the attr bytes, from which output fields are read.
 */
import { KernelError } from "../errors.ts";
import { encodeAttr, type AttrLayout, type FieldValue } from "./attr.ts";
import { BpfCmd, SYS } from "./constants.ts";
import { rawBpf } from "./libc.ts";
import { ERRNO } from "./errno.ts";

const CMD_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(BpfCmd).map(([name, n]) => [n, `BPF_${name}`]),
);

/** The printable name of a bpf command number (`BPF_MAP_CREATE`). */
export function commandName(cmd: number): string {
  return CMD_NAMES.get(cmd) ?? `bpf command ${cmd}`;
}

/** Outcome of a successful bpf(2) call. */
export interface BpfResult {
  /** The syscall's return value (an fd for MAP_CREATE, PROG_LOAD, ...; else 0). */
  readonly ret: number;
  /** The attr bytes after the call: the kernel writes output fields into it. */
  readonly attr: Uint8Array;
}

/** Outcome of a bpf(2) call that may fail: errno is 0 on success. */
export interface BpfTry extends BpfResult {
  readonly errno: number;
}

/** Issues bpf(cmd) and returns errno instead of throwing (for callers that handle e.g. ENOENT). */
export function tryBpf<F extends string>(
  cmd: number,
  layout: AttrLayout<F>,
  values: Partial<Record<F, FieldValue>>,
): BpfTry {
  const attr = encodeAttr(layout, values);
  for (let attempt = 0; ; attempt++) {
    const { ret, errno } = rawBpf(SYS.bpf, cmd, attr);
    if (ret >= 0) return { ret, attr, errno: 0 };
    const retry = errno === ERRNO.EINTR || (errno === ERRNO.EAGAIN && cmd === BpfCmd.PROG_LOAD);
    if (!retry || attempt >= 5) return { ret, attr, errno };
  }
}

/** Issues bpf(cmd); throws `KernelError` (with `context` in its message) on failure. */
export function bpf<F extends string>(
  cmd: number,
  layout: AttrLayout<F>,
  values: Partial<Record<F, FieldValue>>,
  context?: string,
): BpfResult {
  const r = tryBpf(cmd, layout, values);
  if (r.errno !== 0) throw new KernelError(commandName(cmd), r.errno, context);
  return r;
}
