/**
 * The shapes of program contexts (how `ctx.field`, `ctx.header<T>()`, `ctx.arg(i)` lower), and the
 * fixed shape of a uapi context struct read from core/kernel's generated layouts. builtins.ts and
 * net-program-kinds.ts build their program kinds from these.
 */
import { CONTEXT_LAYOUTS, programType, resolveSection } from "../../core/kernel/index.ts";
import type { TsbType } from "./types.ts";
import { U8, U16, U32, U64 } from "./types.ts";
/** A context field at a fixed offset of a kernel context struct. */
export interface CtxField {
  readonly offset: number;
  readonly type: TsbType;
}

/** How a program kind's context is shaped. */
export type CtxShape =
  /**
   * A struct described by the stdlib or user interface (tracepoints): C layout of that interface.
   * `writable`: the program may assign its fields (a syscall program's argument buffer, which
   * BPF_PROG_TEST_RUN copies back to user space); tracepoint records are read-only.
   */
  | { readonly kind: "struct"; readonly writable?: boolean }
  /** Fixed kernel struct fields; `packet` gives offsets of `data`/`data_end` for header<T>(). */
  | {
      readonly kind: "fixed";
      readonly fields: ReadonlyMap<string, CtxField>;
      readonly packet?: {
        readonly data: number;
        readonly dataEnd: number;
        /** Size of the pointer fields: 4 (`__u32 data` of xdp_md, __sk_buff) or 8 (sk_msg_md). */
        readonly size: 4 | 8;
      };
      /** True for `struct __sk_buff`: `ctx.loadBytes(offset, dst)` (bpf_skb_load_bytes) works. */
      readonly skb?: boolean;
      /**
       * Why `header<T>()` is refused when the struct has packet pointers the program type may not
       * read (socket filters); absent when direct packet access works or there is no packet.
       */
      readonly noDirectAccess?: string;
      /**
       * Flow dissectors: `ctx.flowKeys()` is a `Ref` to the `struct bpf_flow_keys` the context's
       * 64-bit pointer field at `offset` (`__sk_buff.flow_keys`) points to; the program fills it.
       */
      readonly flowKeys?: { readonly offset: number; readonly type: TsbType };
    }
  /** 64-bit argument words: `arg(i)` at `argOffsets[i]`, `ret()` at `retOffset`. */
  | { readonly kind: "args"; readonly argOffsets: readonly number[]; readonly retOffset?: number }
  /**
   * A kernel struct of the compile-time kernel BTF (`bpf_iter__task` for `iter/task`), named by the
   * program's target: its fields are read at their BTF offsets, pointers to structs become BTF
   * pointers the program loads through directly (null-checked first when the kernel marks them so).
   */
  | { readonly kind: "btf"; readonly struct: (target: string) => string };

/** The uapi context struct of the program type a libbpf section selects (program-kinds.ts). */
export const contextOf = (section: string): string => {
  const uapi = programType(resolveSection(section)!.def.progType)!.uapi;
  if (uapi === null) throw new Error(`internal: section ${section} has no uapi context`);
  return uapi;
};

/** The unsigned integer type of a field of `size` bytes. */
const scalar = (size: number): TsbType =>
  size === 8 ? U64 : size === 2 ? U16 : size === 1 ? U8 : U32;

/**
 * A uapi struct of core/kernel context-layouts.ts as a struct type, every scalar and array field at
 * its generated offset (members of a union overlap, as in C): `bpf_flow_keys` for flow dissectors.
 */
export function layoutStruct(struct: string): TsbType {
  const layout = CONTEXT_LAYOUTS[struct]!;
  const align = Math.max(1, ...layout.fields.map((f) => (f.pointer ? 8 : f.size)));
  return {
    kind: "struct",
    name: struct,
    size: layout.size,
    align,
    fields: layout.fields
      .filter((f) => !f.pointer)
      .map((f) => ({
        name: f.name,
        offset: f.offset,
        readonly: false,
        type:
          f.count === undefined
            ? scalar(f.size)
            : { kind: "array" as const, element: scalar(f.size), length: f.count },
      })),
  };
}

/** Fields of a packet context that hold packet pointers: reached through `header<T>()`, not by name. */
const PACKET_POINTER_FIELDS = new Set(["data", "data_end", "data_meta"]);

/**
 * A fixed context: every scalar field of uapi struct `struct` at its generated offset (core/kernel
 * context-layouts.ts), typed u8/u16/u32/u64 by size, arrays (`cb[5]`) as fixed arrays. The stdlib
 * interface decides which of them a program can name; core/kernel context-access.ts which of them
 * its program type may read and write. `packet` names the start and end pointer fields that
 * `header<T>()` bounds-checks against (`true`: `data` / `data_end`).
 */
export const fixed = (
  struct: string,
  packet: boolean | readonly [string, string] = false,
  skb = false,
  noDirectAccess?: string,
): CtxShape => {
  const layout = CONTEXT_LAYOUTS[struct]!;
  const field = (n: string) => layout.fields.find((f) => f.name === n)!;
  return {
    kind: "fixed",
    fields: new Map(
      layout.fields
        .filter((f) => !f.pointer && !PACKET_POINTER_FIELDS.has(f.name))
        .map((f) => [
          f.name,
          {
            offset: f.offset,
            type:
              f.count === undefined
                ? scalar(f.size)
                : { kind: "array", element: scalar(f.size), length: f.count },
          },
        ]),
    ),
    ...(packet
      ? (([start, end]) => ({
          packet: {
            data: field(start).offset,
            dataEnd: field(end).offset,
            size: field(start).size === 8 ? (8 as const) : (4 as const),
          },
        }))(packet === true ? ["data", "data_end"] : packet)
      : {}),
    ...(skb ? { skb } : {}),
    ...(noDirectAccess !== undefined ? { noDirectAccess } : {}),
  };
};
