/**
 * Kernel fixture: an SO_REUSEPORT group steered by an sk_reuseport program through a
 * BPF_MAP_TYPE_REUSEPORT_SOCKARRAY. Short datagrams (at most 4 bytes of payload: `len` counts the
 * 8-byte UDP header) go to the socket in slot 0, longer ones to slot 1. Counters: slot 0 of `calls`
 * counts selections made, slot 1 selections of an empty slot (-ENOENT: the kernel then picks by
 * hash, as with no program).
 */
import {
  ArrayMap,
  ReuseportSockArray,
  SK_PASS,
  atomicAdd,
  skReuseport,
  skSelectReuseport,
  type u32,
  type u64,
} from "tsbpf";

export const group = new ReuseportSockArray({ maxEntries: 2 });
export const calls = new ArrayMap<u64>({ maxEntries: 2 });

/** -ENOENT (asm-generic/errno-base.h). */
const ENOENT = 2;

export const steer = skReuseport("select", (ctx) => {
  const slot: u32 = ctx.len > 12 ? 1 : 0;
  const r = skSelectReuseport(ctx, group, slot, 0);
  const c = calls.lookup(r === 0 ? 0 : 1);
  if (c !== null && (r === 0 || r === -ENOENT)) atomicAdd(c.value, 1);
  return SK_PASS;
});

export const license = "GPL";
