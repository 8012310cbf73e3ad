/**
 * Context builders: the bytes a tracing program's `ctx` points at, built from field values and the
 * struct the program reads them through — the stdlib's tracepoint records (`SysEnterOpenatArgs`,
 * ...) or a struct the probe declares — laid out by the compiler's own layout code
 * (compiler/frontend/struct-layout.ts), so the bytes match what the program reads by construction.
 *
 * ```ts
 * tracepointContext("syscalls/sys_enter_openat", { common_pid: 7, filename: 0x7000n, flags: 0o100 })
 * ```
 *
 * Fields not given are zero; unknown fields and values that do not fit are `CodecError`s naming the
 * field. Consumes a struct name and values; produces bytes (runtime/user map-codec encodes them).
 */
import type { TracepointContexts } from "tsbpf";
import { structLayout, tracepointLayout } from "../compiler/frontend/struct-layout.ts";
import { sizeOf, type TsbType } from "../compiler/frontend/types.ts";
import { CONTEXT_LAYOUTS } from "../core/kernel/index.ts";
import { encodeValue, type Codec, type UserValue } from "../runtime/user/map-codec.ts";
import type { In } from "./probe-types.ts";

/** A struct that cannot be laid out, or is unknown. */
export class ContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContextError";
  }
}

/** The runtime/user codec of a compiler layout (u8 arrays are strings or byte lists). */
export function codecOfLayout(t: TsbType): Codec {
  switch (t.kind) {
    case "int":
      return { kind: "int", size: t.bits / 8, signed: t.signed, name: t.name };
    case "bool":
      return { kind: "bool", size: 1 };
    case "array":
      if (t.element.kind === "int" && t.element.bits === 8 && !t.element.signed)
        return { kind: "string", size: t.length, loose: true };
      return {
        kind: "array",
        size: sizeOf(t),
        element: codecOfLayout(t.element),
        length: t.length,
      };
    case "struct":
      return {
        kind: "struct",
        size: t.size,
        name: t.name,
        fields: t.fields.map((f) => ({
          name: f.name,
          offset: f.offset,
          codec: codecOfLayout(f.type),
        })),
      };
    case "void":
      return { kind: "bytes", size: 0 };
  }
}

const tracepointCodecs = new Map<string, Codec>();

/** The codec of the stdlib's context struct of tracepoint `name`. */
export function tracepointCodec(name: string): Codec {
  let c = tracepointCodecs.get(name);
  if (!c) {
    const r = tracepointLayout(name);
    if ("error" in r) throw new ContextError(r.error);
    c = codecOfLayout(r.type);
    tracepointCodecs.set(name, c);
  }
  return c;
}

/** The record of tracepoint `name` (a stdlib `TracepointContexts` entry) with `fields` set. */
export function tracepointContext<N extends keyof TracepointContexts>(
  name: N,
  fields: In<TracepointContexts[N]> = {} as In<TracepointContexts[N]>,
): Uint8Array {
  return encodeValue(tracepointCodec(name), fields as UserValue, name);
}

/**
 * The codec of uapi context struct `name` (`sk_msg_md`, `__sk_buff`, `bpf_sock_addr`, ...) at the
 * kernel's offsets (core/kernel's context layouts, generated from the kernel's headers): integer
 * fields unsigned, arrays as lists, pointer fields as addresses. Undefined for another name.
 */
export function kernelContextCodec(name: string): Codec | undefined {
  if (!Object.hasOwn(CONTEXT_LAYOUTS, name)) return undefined;
  const layout = CONTEXT_LAYOUTS[name]!;
  return {
    kind: "struct",
    size: layout.size,
    name,
    fields: layout.fields.map((f) => {
      const one: Codec = { kind: "int", size: f.size, signed: false, name: `u${f.size * 8}` };
      return {
        name: f.name,
        offset: f.offset,
        codec: f.count
          ? { kind: "array", size: f.size * f.count, element: one, length: f.count }
          : one,
      };
    }),
  };
}

/** The codec of struct `typeName` as the probe `source` (file `fileName`) or the stdlib declares it. */
export function structCodec(source: string, fileName: string, typeName: string): Codec {
  const r = structLayout(source, fileName, typeName);
  if ("error" in r) throw new ContextError(r.error);
  return codecOfLayout(r.type);
}
