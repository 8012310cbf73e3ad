/**
 * BPF iterators in the VM: a program of SEC("iter/<target>") walked over objects a caller gives,
 * the way the kernel's bpf_seq_read walks its own (kernel/bpf/bpf_iter.c), into a `seq_file`
 * buffer that bpf_seq_printf / bpf_seq_write fill (runtime/helpers/seq-helpers.ts).
 *
 * The context is the kernel's `struct bpf_iter__<target>` laid out by the object's kernel BTF (the
 * one its CO-RE reads resolve against): `meta` points at a `struct bpf_iter_meta` { seq,
 * session_id, seq_num }, and each element gives the values of the other members: `{ task: { pid,
 * tgid, comm, real_parent: { tgid } } }` for iter/task, `{ map: { id, name, max_entries } }` for
 * iter/bpf_map, `{ sk_common: { skc_num, skc_state }, uid }` for iter/tcp. A pointer member given as
 * fields becomes a struct of its pointee type (runtime/vm/kernel-heap.ts), each struct a read-only
 * region of the VM's address space, so the program's direct loads through these BTF pointers and
 * its CO-RE reads find the fields at that BTF's offsets.
 *
 * The walk is read(2) after read(2) of `readSize` bytes until one returns 0 or fails, each read
 * as bpf_seq_read does it:
 * - the buffer still holding bytes hands them out first;
 * - else the walk resumes at the current position: the program runs once per element, with
 *   `seq_num` counting the elements shown (0 first); a run that returns nonzero (1: "retry this
 *   object", bpf_iter_run_prog's -EAGAIN) or overflows the 32 KiB buffer drops that element's
 *   output and ends the read with what came before, or fails it (-EAGAIN / -E2BIG) when nothing did;
 * - past the last element the program runs once more with every pointer member NULL (the target's
 *   `stop` with `in_stop`), once per session; the read returns the buffer.
 * A deterministic program that returns 1 for an element thus yields the output before it and then
 * a failed read, as `cat` of the pinned iterator does.
 */
import { existsSync } from "node:fs";
import type { LazyBtf } from "../../core/btf/index.ts";
import { openBtfFile } from "../../core/btf/file.ts";
import { resolveSection } from "../../core/kernel/index.ts";
import { Errno } from "../maps/index.ts";
import { SeqBuffer } from "../helpers/seq-helpers.ts";
import type { VmObject, VmProgram, RunInput } from "./api.ts";
import type { Region } from "./contract.ts";
import { KernelHeap, type KernelRecord } from "./kernel-heap.ts";

/** One object of the walk: the context members besides `meta` (`task`, `map`, `sk_common`, `uid`). */
export type IterElement = KernelRecord;

/** Input of one iterator walk. */
export interface IterateInput extends Pick<RunInput, "engine" | "budget" | "process" | "cpu"> {
  /** The objects, in the kernel's order (tasks by pid, maps by id, sockets by hash bucket). */
  readonly elements: readonly IterElement[];
  /** Bytes each read(2) asks for (default 64 KiB, as the loader's readIterator). */
  readonly readSize?: number;
  /** `meta->session_id` (default: the number of walks of this object so far, from 1). */
  readonly sessionId?: bigint;
}

/** One program run of a walk. */
export interface IterRun {
  /** Index of the element in `elements`, or null for the final (stop) run. */
  readonly element: number | null;
  readonly seqNum: bigint;
  readonly r0: bigint;
}

/** What a walk printed, and how it ended. */
export interface IterateResult {
  readonly output: Uint8Array;
  /** `output` as text (Latin-1: one character per byte). */
  readonly text: string;
  readonly runs: readonly IterRun[];
  /** The read that failed, as the reader sees it (`-EAGAIN`: a run returned nonzero). */
  readonly error?: { readonly errno: number; readonly message: string };
}

/** bpf_seq_read's bound on the objects of one read (MAX_ITER_OBJECTS). */
const MAX_ITER_OBJECTS = 1_000_000;
/** Reads after which a walk that keeps producing bytes (or retrying) is stopped. */
const MAX_READS = 100_000;
const DEFAULT_READ_SIZE = 64 * 1024;
const VMLINUX = "/sys/kernel/btf/vmlinux";

/** Whether the VM walks programs of `section` as iterators (attach type BPF_TRACE_ITER). */
export function vmIterates(section: string): boolean {
  return resolveSection(section)?.def.attachType === "TRACE_ITER";
}

const sessions = new WeakMap<VmObject, bigint>();

/** The BTF the iterator's structs are laid out by: the object's CO-RE target, else this kernel's. */
function layoutBtf(obj: VmObject): LazyBtf {
  const given = obj.coreBtf;
  if (given !== undefined) return typeof given === "string" ? openBtfFile(given) : given;
  if (existsSync(VMLINUX)) return openBtfFile(VMLINUX);
  throw new IterError(
    "an iterator's context and objects are kernel structs: give the VM a kernel BTF (coreBtf, or --btf FILE)",
  );
}

/** A walk that cannot start (not an iterator, no BTF, a bad element). */
export class IterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IterError";
  }
}

/** Walks iterator program `prog` of `obj` over `input.elements`; see the file comment. */
export function iterate(obj: VmObject, prog: VmProgram, input: IterateInput): IterateResult {
  if (!vmIterates(prog.section))
    throw new IterError(
      `program ${prog.name} (${prog.section}) is not an iterator (iter/<target>)`,
    );
  const target = resolveSection(prog.section)!.target;
  const readSize = input.readSize ?? DEFAULT_READ_SIZE;
  if (!Number.isInteger(readSize) || readSize < 1)
    throw new IterError(`readSize must be a positive integer, got ${readSize}`);
  const memory = obj.loaded.memory;
  const regions: Region[] = [];
  const heap = new KernelHeap(layoutBtf(obj), (size, what) => {
    const region = memory.map(new Uint8Array(size), {
      writable: false,
      kind: "kernel_object",
      name: what,
    });
    regions.push(region);
    return { address: region.base, bytes: region.bytes };
  });
  const session = input.sessionId ?? (sessions.get(obj) ?? 0n) + 1n;
  sessions.set(obj, session);
  const env = obj.loaded.env;
  try {
    const ctxStruct = `bpf_iter__${target}`;
    const seqFile = heap.struct("seq_file");
    const meta = heap.struct("bpf_iter_meta", { seq: seqFile, session_id: session });
    const contexts = new Map<number | null, Uint8Array>();
    const contextOf = (i: number | null): Uint8Array => {
      let c = contexts.get(i);
      if (!c) {
        const el = i === null ? {} : input.elements[i]!;
        if ("meta" in el)
          throw new IterError(`element ${i}: meta is the iterator's, not an element's`);
        try {
          c = heap.bytes(heap.struct(ctxStruct, { ...el, meta }));
        } catch (e) {
          if (e instanceof IterError) throw e;
          throw new IterError(`element ${i}: ${(e as Error).message}`);
        }
        contexts.set(i, c);
      }
      return c;
    };
    const seq = new SeqBuffer(seqFile);
    const runs: IterRun[] = [];
    let seqNum = 0n;
    /** A show (or the stop run): 0, or -EAGAIN when the program returned nonzero. */
    const show = (i: number | null): number => {
      heap.update(meta, "bpf_iter_meta", { seq_num: seqNum });
      const ctx = contextOf(i);
      env.seq = seq;
      let r0: bigint;
      try {
        r0 = prog.run({
          ctx,
          ...(input.engine ? { engine: input.engine } : {}),
          ...(input.budget !== undefined ? { budget: input.budget } : {}),
          ...(input.process ? { process: input.process } : {}),
          ...(input.cpu !== undefined ? { cpu: input.cpu } : {}),
        }).r0;
      } finally {
        env.seq = undefined;
      }
      runs.push({ element: i, seqNum, r0 });
      return r0 === 0n ? 0 : -Errno.EAGAIN;
    };
    const n = input.elements.length;
    let index = 0;
    let doneStop = false;
    let from = 0;
    /** One read(2): bytes, or a negative errno. */
    const read = (): Uint8Array | number => {
      if (seq.count > 0) {
        const k = Math.min(seq.count, readSize);
        const out = seq.buf.slice(from, from + k);
        seq.count -= k;
        from += k;
        return out;
      }
      from = 0;
      let p: number | null = index < n ? index : null;
      if (p !== null) {
        const err = show(p);
        if (err < 0 || seq.overflowed) {
          seq.count = 0;
          return err < 0 ? err : -Errno.E2BIG;
        }
        let objs = 0;
        for (;;) {
          objs++;
          const offs = seq.count;
          index++;
          p = index < n ? index : null;
          if (p === null) break;
          seqNum++;
          if (seq.count >= readSize) break;
          if (objs >= MAX_ITER_OBJECTS) {
            if (offs === 0) return -Errno.EAGAIN;
            break;
          }
          const e = show(p);
          if (e < 0 || seq.overflowed) {
            seq.count = offs;
            if (offs === 0) return e < 0 ? e : -Errno.E2BIG;
            break;
          }
        }
      }
      const offs = seq.count;
      if (p === null) {
        if (!doneStop) show(null);
        if (!seq.overflowed) doneStop = true;
        else {
          seq.count = offs;
          if (offs === 0) return -Errno.E2BIG;
        }
      }
      const k = Math.min(seq.count, readSize);
      const out = seq.buf.slice(0, k);
      seq.count -= k;
      from = k;
      return out;
    };
    const chunks: Uint8Array[] = [];
    let error: IterateResult["error"];
    for (let reads = 0; ; reads++) {
      if (reads === MAX_READS) {
        error = {
          errno: -Errno.EAGAIN,
          message: `still reading after ${MAX_READS} reads (the program keeps asking to retry)`,
        };
        break;
      }
      const r = read();
      if (typeof r === "number") {
        error = { errno: r, message: readError(r) };
        break;
      }
      if (r.length === 0) break;
      chunks.push(r);
    }
    const output = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      output.set(c, at);
      at += c.length;
    }
    let text = "";
    for (const b of output) text += String.fromCharCode(b);
    return { output, text, runs, ...(error ? { error } : {}) };
  } finally {
    for (const r of regions) memory.unmap(r);
  }
}

function readError(errno: number): string {
  if (errno === -Errno.EAGAIN)
    return "read failed with EAGAIN: the program returned nonzero (1: retry this object) before printing anything in this read";
  if (errno === -Errno.E2BIG)
    return `read failed with E2BIG: one object's output does not fit the ${4096 << 3}-byte seq_file buffer`;
  return `read failed with errno ${-errno}`;
}
