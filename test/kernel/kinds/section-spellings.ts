/**
 * Kernel fixture: libbpf's second spellings of sections, chosen with the `section` option after a
 * program's body (the C twin is test/kernel/fixtures/section-aliases.bpf.c): tp/, raw_tp/,
 * raw_tp.w/, classifier, tc/ingress, tc/egress, cgroup/skb, cgroup/sock and plain sk_skb.
 */
import {
  ArrayMap,
  atomicAdd,
  cgroupSkb,
  cgroupSock,
  rawTracepoint,
  rawTracepointWritable,
  skSkb,
  tc,
  tcx,
  tracepoint,
  type u32,
  type u64,
} from "tsbpf";

/** Calls per program, in the order below. */
export const calls = new ArrayMap<u64>({ maxEntries: 9 });

function bump(i: u32): void {
  const c = calls.lookup(i);
  if (c !== null) atomicAdd(c.value, 1);
}

export const tpExec = tracepoint(
  "sched/sched_process_exec",
  (ctx) => {
    bump(0);
    return 0;
  },
  { section: "tp" },
);
export const rawExec = rawTracepoint(
  "sched_process_exec",
  (ctx) => {
    bump(1);
    return 0;
  },
  { section: "raw_tp" },
);
export const rawFinish = rawTracepointWritable(
  "bpf_test_finish",
  (ctx) => {
    bump(2);
    return 0;
  },
  { section: "raw_tp.w" },
);
/** TCX_NEXT (-1): the next program of the hook runs too. */
export const cls = tc(
  (ctx) => {
    bump(3);
    return -1;
  },
  { section: "classifier" },
);
export const tcIn = tcx(
  "ingress",
  (ctx) => {
    bump(4);
    return -1;
  },
  { section: "tc/ingress" },
);
export const tcOut = tcx(
  "egress",
  (ctx) => {
    bump(5);
    return -1;
  },
  { section: "tc/egress" },
);
export const skbIn = cgroupSkb(
  "ingress",
  (ctx) => {
    bump(6);
    return 1;
  },
  { section: "cgroup/skb" },
);
export const sockCreate = cgroupSock(
  "sock_create",
  (ctx) => {
    bump(7);
    return 1;
  },
  { section: "cgroup/sock" },
);
export const verdict = skSkb(
  "verdict",
  (ctx) => {
    bump(8);
    return 1;
  },
  { section: "sk_skb" },
);

export const license = "GPL";
