/**
 * Loading one program into the kernel (BPF_PROG_LOAD) and capturing the verifier log.
 *
 * Consumes: a `ProgramSpec` (instructions as core/isa `Insn`s or raw bytes, program type, expected
 * attach type, optional BTF fd with func_info / line_info records). Produces: a `KernelProgram`
 * owning the program fd, with the verifier log (when requested) and the kernel's count of verified
 * instructions; or throws `VerifierError` with the log, the failing instruction and the error line.
 *
 * Log strategy (as libbpf): when no log is requested the first attempt runs without one (fast path);
 * on rejection it is retried with log_level 1 so the error always carries a log. A log that does not
 * fit (ENOSPC) is retried with a larger buffer, sized from `log_true_size` (Linux 6.4+) or by x4.
 */
import { encodeProgram, type Insn } from "../../core/isa/index.ts";
import { KernelError, LoaderError, VerifierError } from "./errors.ts";
import { OwnedFd } from "./fd.ts";
import { programInfo } from "./info.ts";
import { sanitizeName } from "./map.ts";
import { bpf, tryBpf } from "./sys/bpf.ts";
import { BpfCmd, MAX_LOG_SIZE } from "./sys/constants.ts";
import { readU32 } from "./sys/attr.ts";
import { ENABLE_STATS, PROG_LOAD } from "./sys/layouts.ts";
import { explainTrampolineRefusal, needsTrampoline } from "./trampoline-refusal.ts";
import { programKindRefusal } from "./kind-refusal.ts";
import { annotateVerifierLog, parseVerifierLog } from "./verifier-log.ts";
import { ERRNO } from "./sys/errno.ts";

/** BTF records accompanying a program (struct bpf_func_info / bpf_line_info arrays). */
export interface ProgramBtfInfo {
  /** BTF object fd (from `loadBtf`). */
  readonly btfFd: number;
  /** Packed records, `recSize` bytes each, `insn_off` in slots (not bytes). */
  readonly funcInfo?: { readonly bytes: Uint8Array; readonly recSize: number };
  readonly lineInfo?: { readonly bytes: Uint8Array; readonly recSize: number };
}

/** Everything PROG_LOAD needs for one program. */
export interface ProgramSpec {
  readonly name: string;
  /** BPF_PROG_TYPE_* number. */
  readonly type: number;
  /** Instructions (encoded with core/isa) or already-encoded bytes. */
  readonly insns: readonly Insn[] | Uint8Array;
  /** License string; GPL-only helpers need "GPL" or a compatible one. Default "GPL". */
  readonly license?: string;
  readonly expectedAttachType?: number;
  /** For tracing/LSM programs: the kernel BTF type id of the attach target. */
  readonly attachBtfId?: number;
  /** Module BTF fd (0 = vmlinux) or, for freplace, the target program fd. */
  readonly attachBtfObjFd?: number;
  readonly btf?: ProgramBtfInfo;
  readonly flags?: number;
  readonly kernVersion?: number;
  /** Network device to bind to (offload); 0 = none. */
  readonly ifindex?: number;
}

/** Log options for `loadProgram`. */
export interface LoadOptions {
  /**
   * Verifier log level: 0 = none unless rejected, 1 = instructions and errors, 2 = every state,
   * 4 = statistics only (BPF_LOG_STATS, gives "processed N insns"); levels may be or-ed.
   */
  readonly logLevel?: number;
  /** Initial log buffer size in bytes (default 1 MiB when a log is requested). */
  readonly logSize?: number;
  /** Source line of an instruction slot, used to annotate a rejection (from BTF line_info). */
  readonly sourceOf?: (slot: number) => string | undefined;
}

/** A loaded program. */
export class KernelProgram {
  constructor(
    readonly handle: OwnedFd,
    readonly name: string,
    readonly type: number,
    readonly expectedAttachType: number,
    /** The verifier log (empty when no log was requested). */
    readonly log: string,
  ) {}

  /** The program fd. */
  get fd(): number {
    return this.handle.fd;
  }

  /** Instructions the verifier processed (bpf_prog_info.verified_insns, Linux 5.16+). */
  get verifiedInsns(): number {
    return programInfo(this.fd).verifiedInsns;
  }

  close(): void {
    this.handle.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

const DEFAULT_LOG = 1 << 20;

/** Loads a program; throws `VerifierError` on rejection, `KernelError` for other failures. */
export function loadProgram(spec: ProgramSpec, opts: LoadOptions = {}): KernelProgram {
  const bytes = spec.insns instanceof Uint8Array ? spec.insns : encodeProgram(spec.insns);
  if (bytes.length === 0 || bytes.length % 8 !== 0) {
    throw new LoaderError(
      `program "${spec.name}": ${bytes.length} bytes is not a whole number of instructions`,
    );
  }
  const base = baseAttr(spec, bytes);
  const requested = opts.logLevel ?? 0;
  let level = requested;
  let size = requested ? (opts.logSize ?? DEFAULT_LOG) : 0;
  for (;;) {
    const log = new Uint8Array(size);
    const r = tryBpf(BpfCmd.PROG_LOAD, PROG_LOAD, {
      ...base,
      log_level: level,
      log_size: size,
      log_buf: size ? log : 0n,
    });
    const text = size ? decodeLog(log) : "";
    if (r.errno === 0) {
      return new KernelProgram(
        new OwnedFd(r.ret),
        spec.name,
        spec.type,
        spec.expectedAttachType ?? 0,
        text,
      );
    }
    if (r.errno === ERRNO.ENOSPC && size > 0 && size < MAX_LOG_SIZE) {
      const trueSize = readU32(PROG_LOAD, r.attr, "log_true_size");
      size = Math.min(MAX_LOG_SIZE, Math.max(size * 4, trueSize + 1));
      continue;
    }
    if (size === 0) {
      // Rejected without a log: retry once with one so the error can explain itself.
      level = 1;
      size = opts.logSize ?? DEFAULT_LOG;
      continue;
    }
    if (!text) {
      const at = declaredAt(opts.sourceOf?.(0));
      throw new KernelError(
        "BPF_PROG_LOAD",
        r.errno,
        `program "${spec.name}"${at ? ` at ${at}` : ""}`,
        refusalHint(spec, r.errno),
      );
    }
    const facts = parseVerifierLog(text);
    const src = opts.sourceOf;
    throw new VerifierError(
      r.errno,
      spec.name,
      text,
      facts.insnIndex,
      facts.errorLine,
      facts.insnIndex >= 0 ? src?.(facts.insnIndex) : undefined,
      src ? annotateVerifierLog(text, src) : undefined,
    );
  }
}

/**
 * A refusal before the verifier ran is about the program's kind (kind-refusal.ts): a type or attach
 * type this kernel lacks (EINVAL), or kernel policy (EPERM while already root: lockdown, an LSM, a
 * hardened kernel). Programs that need a BPF trampoline (fentry/fexit/fmod_ret, lsm, freplace) are
 * the usual victims of the second; trampoline-refusal.ts gathers the evidence for their message.
 */
function refusalHint(spec: ProgramSpec, errno: number): string | undefined {
  const attach = spec.expectedAttachType ?? 0;
  const trampoline = needsTrampoline(spec.type, attach)
    ? () => explainTrampolineRefusal(spec.type, attach)
    : undefined;
  return programKindRefusal(spec.type, attach, errno, trampoline);
}

/** `file.ts:12` from a line-info rendering (`code  @ file.ts:12`), or undefined. */
function declaredAt(line: string | undefined): string | undefined {
  const at = line?.lastIndexOf("  @ ") ?? -1;
  return at < 0 ? undefined : line!.slice(at + 4);
}

function baseAttr(spec: ProgramSpec, bytes: Uint8Array) {
  const btf = spec.btf;
  const fi = btf?.funcInfo;
  const li = btf?.lineInfo;
  return {
    prog_type: spec.type,
    insn_cnt: bytes.length / 8,
    insns: bytes,
    license: new TextEncoder().encode(`${spec.license ?? "GPL"}\0`),
    kern_version: spec.kernVersion ?? 0,
    prog_flags: spec.flags ?? 0,
    prog_name: sanitizeName(spec.name),
    prog_ifindex: spec.ifindex ?? 0,
    expected_attach_type: spec.expectedAttachType ?? 0,
    prog_btf_fd: btf?.btfFd ?? 0,
    func_info_rec_size: fi?.recSize ?? 0,
    func_info: fi?.bytes ?? 0n,
    func_info_cnt: fi ? fi.bytes.length / fi.recSize : 0,
    line_info_rec_size: li?.recSize ?? 0,
    line_info: li?.bytes ?? 0n,
    line_info_cnt: li ? li.bytes.length / li.recSize : 0,
    attach_btf_id: spec.attachBtfId ?? 0,
    attach_prog_fd: spec.attachBtfObjFd ?? 0,
  };
}

function decodeLog(buf: Uint8Array): string {
  const end = buf.indexOf(0);
  return new TextDecoder().decode(end < 0 ? buf : buf.subarray(0, end));
}

/** Turns on kernel run-time statistics (run_time_ns / run_cnt) until the returned fd is closed. */
export function enableRunStats(): OwnedFd {
  const { ret } = bpf(BpfCmd.ENABLE_STATS, ENABLE_STATS, { type: 0 }, "BPF_STATS_RUN_TIME");
  return new OwnedFd(ret);
}
