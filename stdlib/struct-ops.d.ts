/**
 * struct_ops: a kernel ops struct (`tcp_congestion_ops`, ...) whose function members are BPF
 * programs, registered with the kernel as one BPF_MAP_TYPE_STRUCT_OPS map. Re-exported by
 * `"tsbpf"` (index.d.ts); the compiler (compiler/frontend/struct-ops.ts) lowers it the way libbpf
 * reads `SEC(".struct_ops.link") struct tcp_congestion_ops cc = { ... }` with its
 * `SEC("struct_ops/<member>")` programs.
 */
import type { ArgsContext, Program } from "./index.js";

/**
 * A function member of an ops struct: a program in `SEC("struct_ops/<member>")`. The parameters
 * after `ctx` are the member's arguments, typed from its BTF function prototype as fentry's are
 * (pointers are u64 addresses: `kernelPtr("tcp_sock", sk).snd_cwnd`); the return value is the
 * member's (ignored for a void member).
 */
export type StructOpsFunction = (ctx: ArgsContext, ...args: number[]) => number | void;

/**
 * The members of an ops struct: functions (programs) and data (a string for a char array such as
 * `name`, an integer constant for an integer or enum member). Members left out are zero (a null
 * function pointer: the kernel's default, or a refusal when the member is required).
 */
export interface StructOpsMembers {
  readonly [member: string]: StructOpsFunction | string | number;
}

/** Options of `structOps`. */
export interface StructOpsOptions {
  /**
   * `true` (the default): the map goes in `.struct_ops.link` and is registered through a BPF link
   * (BPF_F_LINK; unregistered when the link is closed); `false`: in `.struct_ops`, registered by the
   * map update itself and unregistered by deleting its element.
   */
  readonly link?: boolean;
  /** Load every function member as a sleepable program (`SEC("struct_ops.s/<member>")`). */
  readonly sleepable?: boolean;
}

/** A struct_ops map (opaque): its one value is the registered ops struct. */
export interface StructOps<Struct extends string> {
  readonly __structOps: Struct;
  readonly __program: Program;
}

/**
 * `export const cc = structOps("tcp_congestion_ops", { name: "tsbpf_cc", ssthresh: (ctx, sk) => ..., ... })`:
 * a BPF_MAP_TYPE_STRUCT_OPS map named `cc` whose value is kernel struct `Struct`; each function
 * member becomes program `cc_<member>`. `tsbpf run` registers it and unregisters it on exit.
 */
export declare function structOps<Struct extends string>(
  struct: Struct,
  members: StructOpsMembers,
  options?: StructOpsOptions,
): StructOps<Struct>;
