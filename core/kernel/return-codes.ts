import { BPF_RET_CODE, SK_ACTION } from "./generated.ts";

/**
 * The named return values of the program types that give their return value a meaning: uapi
 * `linux/bpf.h` `enum xdp_action` for XDP, `linux/pkt_cls.h` `TC_ACT_*` for tc classifiers,
 * `enum sk_action` for sk_skb / sk_msg / sk_lookup / sk_reuseport, `enum bpf_ret_code` for flow
 * dissectors and light-weight tunnels, and
 * `linux/netfilter.h` `NF_DROP` / `NF_ACCEPT` for netfilter programs. The
 * stdlib constants of the same names (compiler/frontend/builtins.ts `CONSTANTS`) and every place that
 * prints a return value by name (the playground; `tsbpf run`) read them from here.
 */

const entries = (e: Readonly<Record<string, number>>, names?: readonly string[]) =>
  Object.entries(e)
    .filter(([n]) => !names || names.includes(n))
    .map(([n, v]) => [n, BigInt(v)] as const);
const SK_CODES = entries(SK_ACTION);
/** tc classifiers and actions (linux/pkt_cls.h TC_ACT_*). */
const TC_CODES: readonly (readonly [string, bigint])[] = [
  ["TC_ACT_OK", 0n],
  ["TC_ACT_RECLASSIFY", 1n],
  ["TC_ACT_SHOT", 2n],
  ["TC_ACT_PIPE", 3n],
  ["TC_ACT_STOLEN", 4n],
  ["TC_ACT_QUEUED", 5n],
  ["TC_ACT_REPEAT", 6n],
  ["TC_ACT_REDIRECT", 7n],
];
/** Light-weight tunnel programs (net/core/lwt_bpf.c run_lwt_bpf). */
const LWT_CODES = entries(BPF_RET_CODE, ["BPF_OK", "BPF_DROP", "BPF_REDIRECT", "BPF_LWT_REROUTE"]);

/** Named return values per program type (uapi names), in value order. */
export const RETURN_CODES: Readonly<Record<string, readonly (readonly [string, bigint])[]>> = {
  XDP: [
    ["XDP_ABORTED", 0n],
    ["XDP_DROP", 1n],
    ["XDP_PASS", 2n],
    ["XDP_TX", 3n],
    ["XDP_REDIRECT", 4n],
  ],
  SCHED_CLS: TC_CODES,
  SCHED_ACT: TC_CODES,
  SK_SKB: SK_CODES,
  SK_MSG: SK_CODES,
  SK_LOOKUP: SK_CODES,
  SK_REUSEPORT: SK_CODES,
  LWT_IN: LWT_CODES,
  LWT_OUT: LWT_CODES,
  LWT_XMIT: LWT_CODES,
  LWT_SEG6LOCAL: LWT_CODES,
  FLOW_DISSECTOR: entries(BPF_RET_CODE, ["BPF_OK", "BPF_DROP", "BPF_FLOW_DISSECTOR_CONTINUE"]),
  NETFILTER: [
    ["NF_DROP", 0n],
    ["NF_ACCEPT", 1n],
  ],
};

/**
 * The name of `r0` for a program type (`XDP_DROP`), or undefined when the type gives it none. A
 * socket filter's return value is the number of bytes it keeps (0: drop).
 */
export function returnName(progType: string | undefined, r0: bigint): string | undefined {
  if (progType === "SOCKET_FILTER") return r0 === 0n ? "drop" : `keep ${r0} bytes`;
  const codes = progType !== undefined ? RETURN_CODES[progType] : undefined;
  return codes?.find(([, value]) => value === r0)?.[0];
}

/** The value of a named return code (`XDP_REDIRECT` → 4n); an internal error for an unknown name. */
export function returnValue(name: string): bigint {
  for (const codes of Object.values(RETURN_CODES)) {
    const hit = codes.find(([n]) => n === name);
    if (hit) return hit[1];
  }
  throw new Error(`internal: no return code ${name}`);
}

/**
 * The return values the verifier accepts by attach type, where it limits them regardless of the
 * program's section target (kernel/bpf/verifier.c check_return_code): an iterator returns 0 (go on)
 * or 1 (bpf_iter_run_prog turns it into -EAGAIN: the read ends before this object, to retry it).
 */
export const RETURN_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  TRACE_ITER: [0n, 1n],
};

/**
 * Program types whose result the kernel never reads when the prototype they attach to returns void:
 * verifier.c `check_return_code` returns before its R0 check for a struct_ops program whose
 * `attach_func_proto` returns void (6.1 and 6.18 alike; LSM hooks too, but not lsm_cgroup, whose
 * prototype the compiler does not know when it lowers the program). The compiler lowers such a
 * program as a void function whose `return` leaves r0 as it is, as clang's `void BPF_PROG(...)` does.
 */
export const VOID_RESULT_UNREAD: ReadonlySet<string> = new Set(["STRUCT_OPS"]);
