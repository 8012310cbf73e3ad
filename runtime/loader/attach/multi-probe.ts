/**
 * Multi-target probes, one BPF link for many functions (kernel/trace/bpf_trace.c,
 * bpf_kprobe_multi_link_attach / bpf_uprobe_multi_link_attach):
 * - SEC("kprobe.multi/<glob>") / SEC("kretprobe.multi/<glob>"): kernel functions whose names match
 *   the glob (from /proc/kallsyms, as libbpf does when it cannot read available_filter_functions),
 *   passed by name; needs CONFIG_FPROBE;
 * - SEC("uprobe.multi/<binary>:<glob>") / SEC("uretprobe.multi/..."): the binary's functions whose
 *   names match, passed as file offsets of one path (Linux 6.6).
 * Globs are libbpf's: `*` any run of characters, `?` one character.
 *
 * Consumes a loaded program (expected attach type BPF_TRACE_KPROBE_MULTI / _UPROBE_MULTI) and the
 * target; produces the link, or a `LoaderError` that says what this kernel lacks.
 */
import { readFileSync } from "node:fs";
import { release } from "node:os";
import { readBinaryImage, resolveSymbolOffset } from "../elf-symbols.ts";
import { KernelError, LoaderError } from "../errors.ts";
import { OwnedFd } from "../fd.ts";
import { tryBpf } from "../sys/bpf.ts";
import { AttachType, BpfCmd, MultiProbeFlag } from "../sys/constants.ts";
import { ERRNO } from "../sys/errno.ts";
import { addressOf } from "../sys/libc.ts";
import { LINK_CREATE_KPROBE_MULTI, LINK_CREATE_UPROBE_MULTI } from "../sys/layouts.ts";
import { kernelConfig } from "../trampoline-refusal.ts";
import { KernelLink } from "./link.ts";
import type { AttachableProgram } from "./perf-link.ts";
import { resolveBinaryPath } from "./uprobe.ts";

/** A libbpf glob (`*`, `?`) as an anchored regular expression. */
export function globPattern(glob: string): RegExp {
  const body = glob
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`);
}

const STT_FUNC = 2;

/** The names and file offsets of `path`'s functions matching `glob`, sorted by name. */
export function matchBinaryFunctions(
  path: string,
  glob: string,
): { readonly name: string; readonly offset: number }[] {
  const image = readBinaryImage(path);
  const re = globPattern(glob);
  const names = [
    ...new Set(
      image.symbols
        .filter((s) => s.shndx !== 0 && s.type === STT_FUNC && re.test(s.name))
        .map((s) => s.name),
    ),
  ].sort();
  return names.map((name) => ({ name, offset: resolveSymbolOffset(image, name) }));
}

/** Attaches a uprobe.multi / uretprobe.multi program to every matching function of a binary. */
export function attachUprobeMulti(
  prog: AttachableProgram,
  target: string,
  retprobe: boolean,
  pid?: number,
): KernelLink {
  // uprobe.session programs (expected attach type BPF_TRACE_UPROBE_SESSION) use the same link.
  const session = prog.expectedAttachType === AttachType.TRACE_UPROBE_SESSION;
  const kind = session ? "uprobe.session" : retprobe ? "uretprobe.multi" : "uprobe.multi";
  const colon = target.lastIndexOf(":");
  if (colon <= 0 || colon === target.length - 1) {
    throw new LoaderError(
      `${kind} target must be "<binary>:<function glob>" (e.g. "libc.so.6:str*"), got "${target}"`,
    );
  }
  const path = resolveBinaryPath(target.slice(0, colon));
  const glob = target.slice(colon + 1);
  const funcs = matchBinaryFunctions(path, glob);
  if (funcs.length === 0)
    throw new LoaderError(`${kind}: no function of ${path} matches "${glob}"`);
  const offsets = new Uint8Array(8 * funcs.length);
  const view = new DataView(offsets.buffer);
  funcs.forEach((f, i) => view.setBigUint64(8 * i, BigInt(f.offset), true));
  const pathBytes = new TextEncoder().encode(`${path}\0`);
  const r = tryBpf(BpfCmd.LINK_CREATE, LINK_CREATE_UPROBE_MULTI, {
    prog_fd: prog.fd,
    attach_type: session ? AttachType.TRACE_UPROBE_SESSION : AttachType.TRACE_UPROBE_MULTI,
    path: pathBytes,
    offsets,
    cnt: funcs.length,
    uprobe_flags: retprobe ? MultiProbeFlag.UPROBE_RETURN : 0,
    pid: pid ?? 0,
  });
  const what = `attaching ${kind} program "${prog.name}" to ${funcs.length} function${funcs.length === 1 ? "" : "s"} of ${path} matching "${glob}"`;
  if (r.errno !== 0) {
    if (r.errno === ERRNO.EOPNOTSUPP || r.errno === ERRNO.EINVAL)
      throw new KernelError(
        "BPF_LINK_CREATE",
        r.errno,
        what,
        `Linux ${release()} has no uprobe.multi links (they need Linux 6.6 and CONFIG_UPROBES)`,
      );
    throw new KernelError("BPF_LINK_CREATE", r.errno, what);
  }
  return new KernelLink(kind, `${path}:${glob} (${funcs.length} functions)`, [new OwnedFd(r.ret)]);
}

/** Text symbols of /proc/kallsyms whose names match `glob` (module symbols included). */
function kernelFunctions(glob: string): string[] {
  if (!/[*?]/.test(glob)) return [glob];
  const re = globPattern(glob);
  const names = new Set<string>();
  for (const line of readFileSync("/proc/kallsyms", "utf8").split("\n")) {
    const [, type, name] = line.split(/\s+/);
    if (name && (type === "t" || type === "T") && re.test(name)) names.add(name);
  }
  return [...names].sort();
}

/** Why this kernel cannot attach kprobe.multi links, from its configuration. */
function kprobeMultiMissing(): string {
  const fprobe = kernelConfig("CONFIG_FPROBE");
  const kprobes = kernelConfig("CONFIG_KPROBES");
  const missing = [
    ...(fprobe === "n" ? ["CONFIG_FPROBE"] : []),
    ...(kprobes === "n" ? ["CONFIG_KPROBES"] : []),
  ];
  return missing.length > 0
    ? `Linux ${release()} is built without ${missing.join(" and ")}, which kprobe.multi links need`
    : `Linux ${release()} does not support kprobe.multi links (they need Linux 5.18 and CONFIG_FPROBE)`;
}

/** Attaches a kprobe.multi / kretprobe.multi program to every kernel function matching `glob`. */
export function attachKprobeMulti(
  prog: AttachableProgram,
  glob: string,
  retprobe: boolean,
): KernelLink {
  // kprobe.session programs (expected attach type BPF_TRACE_KPROBE_SESSION) use the same link.
  const session = prog.expectedAttachType === AttachType.TRACE_KPROBE_SESSION;
  const kind = session ? "kprobe.session" : retprobe ? "kretprobe.multi" : "kprobe.multi";
  if (!glob) throw new LoaderError(`${kind} section needs a function glob: "${kind}/<glob>"`);
  const names = kernelFunctions(glob);
  if (names.length === 0)
    throw new LoaderError(`${kind}: no kernel function matches "${glob}" in /proc/kallsyms`);
  const strings = names.map((n) => new TextEncoder().encode(`${n}\0`));
  const syms = new Uint8Array(8 * names.length);
  const view = new DataView(syms.buffer);
  strings.forEach((s, i) => view.setBigUint64(8 * i, addressOf(s), true));
  const r = tryBpf(BpfCmd.LINK_CREATE, LINK_CREATE_KPROBE_MULTI, {
    prog_fd: prog.fd,
    attach_type: session ? AttachType.TRACE_KPROBE_SESSION : AttachType.TRACE_KPROBE_MULTI,
    kprobe_flags: retprobe ? MultiProbeFlag.KPROBE_RETURN : 0,
    cnt: names.length,
    syms,
  });
  void strings; // the names must stay alive until the call returns
  const what = `attaching ${kind} program "${prog.name}" to ${names.length} kernel function${names.length === 1 ? "" : "s"} matching "${glob}"`;
  if (r.errno === ERRNO.EOPNOTSUPP || r.errno === ERRNO.ENOTSUPP)
    throw new KernelError("BPF_LINK_CREATE", r.errno, what, kprobeMultiMissing());
  if (r.errno !== 0) throw new KernelError("BPF_LINK_CREATE", r.errno, what);
  return new KernelLink(kind, `${glob} (${names.length} functions)`, [new OwnedFd(r.ret)]);
}
