/**
 * fnvhash (codegen benchmark shape: a hashing loop): counts file opens by the FNV-1a hash of the
 * first 32 bytes of the path (stopping at its NUL), as a cheap path histogram.
 * C twin: bench/c/fnvhash.bpf.c.
 */
import { CharArray, HashMap, probeReadUserStr, tracepoint, u32, u64, uninit } from "tsbpf";

const PATH_BYTES = 32;
const FNV_OFFSET = 2166136261;
const FNV_PRIME = 16777619;

const byHash = new HashMap<u32, u64>({ maxEntries: 4096 });

export const onOpen = tracepoint("syscalls/sys_enter_openat", (ctx) => {
  const path: CharArray<32> = uninit();
  if (probeReadUserStr(path, ctx.filename) <= 0) return 0;
  let h: u32 = FNV_OFFSET;
  for (let i = 0; i < PATH_BYTES; i++) {
    const c: u32 = path[i];
    if (c === 0) break;
    h = (h ^ c) * FNV_PRIME;
  }
  const count = byHash.lookup(h);
  if (count === null) byHash.update(h, 1);
  else count.value += 1;
  return 0;
});

export const license = "GPL";
