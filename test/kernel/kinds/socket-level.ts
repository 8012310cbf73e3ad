/**
 * Kernel fixture: sk_skb parser and verdicts, sk_msg, sk_lookup, flow dissector and netfilter.
 */
import {
  ArrayMap,
  atomicAdd,
  skSkb,
  skMsg,
  skLookup,
  flowDissector,
  netfilter,
  SK_PASS,
  BPF_FLOW_DISSECTOR_CONTINUE,
  NF_ACCEPT,
  type u32,
  type u64,
} from "tsbpf";

/** Calls per program, in the order below. */
export const calls = new ArrayMap<u64>({ maxEntries: 7 });

function bump(i: u32): void {
  const c = calls.lookup(i);
  if (c !== null) atomicAdd(c.value, 1);
}

export const streamParser = skSkb("stream_parser", (ctx) => {
  bump(0);
  return ctx.len;
});
export const streamVerdict = skSkb("stream_verdict", (ctx) => {
  bump(1);
  return SK_PASS;
});
export const verdict = skSkb("verdict", (ctx) => {
  bump(2);
  return SK_PASS;
});
export const msg = skMsg((ctx) => {
  bump(3);
  return SK_PASS;
});
export const lookup = skLookup((ctx) => {
  bump(4);
  return SK_PASS;
});
export const dissect = flowDissector((ctx) => {
  bump(5);
  return BPF_FLOW_DISSECTOR_CONTINUE;
});
export const nf = netfilter((ctx) => {
  bump(6);
  return NF_ACCEPT;
});

export const license = "GPL";
