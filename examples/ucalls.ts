/**
 * ucalls: how often each of libc's `str*` functions is called, system-wide, by one uprobe.multi
 * program on all of them (like bcc's ucalls/funccount with a wildcard, but one BPF link).
 *
 * Shows: `uprobeMulti("<binary>:<glob>", ...)` (SEC("uprobe.multi/libc.so.6:str*")): the loader
 * finds every function of the binary matching the glob and attaches them with one
 * BPF_TRACE_UPROBE_MULTI link; `getFuncIp(ctx)` (bpf_get_func_ip) says which function fired, as its
 * address in the calling process (libc is mapped at one address per process, so keys repeat per
 * function in processes sharing a layout).
 *
 * Run it: `tsbpf run examples/ucalls.ts --duration 5` (root), then read `calls`.
 */
import { HashMap, atomicAdd, getFuncIp, u64, uprobeMulti } from "tsbpf";

export const calls = new HashMap<u64, u64>({ maxEntries: 10240 });

export const onStrCall = uprobeMulti("libc.so.6:str*", (ctx) => {
  const ip = getFuncIp(ctx);
  const count = calls.lookup(ip);
  if (count === null) calls.update(ip, 1);
  else atomicAdd(count.value, 1);
  return 0;
});

export const license = "GPL";
