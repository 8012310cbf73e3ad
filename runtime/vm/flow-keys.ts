/**
 * A flow dissector run's `struct bpf_flow_keys`, as the kernel sets it up around the program
 * (net/core/flow_dissector.c bpf_flow_dissect, reached by BPF_PROG_TEST_RUN): mapped before the run
 * with its pointer in the context, clamped after it. api.ts calls these for FLOW_DISSECTOR runs.
 */
import { CONTEXT_LAYOUTS, contextOffset } from "../../core/kernel/index.ts";
import type { Memory, Region } from "./contract.ts";

/**
 * The `struct bpf_flow_keys` of a flow dissector run, as the kernel starts it (net/core/flow_dissector.c
 * bpf_flow_dissect, called by BPF_PROG_TEST_RUN with the Ethernet header's EtherType and length):
 * zeroed, `nhoff` = `thoff` = 14, `n_proto` = the frame's EtherType; its address goes in the
 * context's `flow_keys` pointer.
 */
export function mapFlowKeys(memory: Memory, ctx: Region, frame: Uint8Array): Region {
  const layout = CONTEXT_LAYOUTS["bpf_flow_keys"]!;
  const bytes = new Uint8Array(layout.size);
  const view = new DataView(bytes.buffer);
  const at = (f: string) => contextOffset("bpf_flow_keys", f);
  view.setUint16(at("nhoff"), 14, true);
  view.setUint16(at("thoff"), 14, true);
  if (frame.length >= 14) bytes.set(frame.subarray(12, 14), at("n_proto"));
  const keys = memory.map(bytes, { writable: true, kind: "context", name: "bpf_flow_keys" });
  new DataView(ctx.bytes.buffer, ctx.bytes.byteOffset).setBigUint64(
    contextOffset("__sk_buff", "flow_keys"),
    keys.base,
    true,
  );
  return keys;
}

/**
 * What the kernel does with the keys after the program (bpf_flow_dissect): `nhoff` clamped to
 * [14, frame length], `thoff` to [`nhoff`, frame length].
 */
export function clampFlowKeys(keys: Region, hlen: number): void {
  const view = new DataView(keys.bytes.buffer, keys.bytes.byteOffset);
  const nhoffAt = contextOffset("bpf_flow_keys", "nhoff");
  const thoffAt = contextOffset("bpf_flow_keys", "thoff");
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const nhoff = clamp(view.getUint16(nhoffAt, true), 14, hlen);
  view.setUint16(nhoffAt, nhoff, true);
  view.setUint16(thoffAt, clamp(view.getUint16(thoffAt, true), nhoff, hlen), true);
}
