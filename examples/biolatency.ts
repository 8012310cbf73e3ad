/**
 * biolatency: block I/O latency, issue to completion, as a histogram of log2 microsecond slots (like
 * bcc's biolatency, on the stable block tracepoints).
 *
 * Shows: a struct map key (device + start sector, with explicit padding so the key has no holes),
 * two programs sharing a hash map, and the stdlib's `log2(v, cap)`, a
 * bounded loop the verifier accepts.
 *
 * Run it: `tsbpf run examples/biolatency.ts` (root), generate disk I/O, read `hist`.
 */
import { ArrayMap, HashMap, atomicAdd, ktimeGetNs, log2, tracepoint, u32, u64 } from "tsbpf";

const MAX_SLOTS = 27;

/** A request: the device and start sector both tracepoints carry. */
interface RqKey {
  dev: u32;
  _pad: u32;
  sector: u64;
}

export const start = new HashMap<RqKey, u64>({ maxEntries: 10240 });
export const hist = new ArrayMap<u64>({ maxEntries: MAX_SLOTS, histogram: "log2" });

export const onIssue = tracepoint("block/block_rq_issue", (ctx) => {
  const key: RqKey = { dev: ctx.dev, _pad: 0, sector: ctx.sector };
  start.update(key, ktimeGetNs());
  return 0;
});

export const onComplete = tracepoint("block/block_rq_complete", (ctx) => {
  const key: RqKey = { dev: ctx.dev, _pad: 0, sector: ctx.sector };
  const ts = start.lookup(key);
  if (ts === null) return 0;
  const count = hist.lookup(log2((ktimeGetNs() - ts.value) / 1000, MAX_SLOTS - 1));
  if (count !== null) atomicAdd(count.value, 1);
  start.delete(key);
  return 0;
});

export const license = "GPL";
