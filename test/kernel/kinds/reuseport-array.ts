/**
 * Kernel fixture: an sk_reuseport program picks the socket of its SO_REUSEPORT group from a
 * ReuseportSockArray (BPF_MAP_TYPE_REUSEPORT_SOCKARRAY): slot 0's socket takes every datagram;
 * with slot 0 empty the selection fails (-ENOENT) and the datagram is dropped.
 */
import { ReuseportSockArray, SK_DROP, SK_PASS, skReuseport, skSelectReuseport } from "tsbpf";

export const group = new ReuseportSockArray({ maxEntries: 2 });

export const pick = skReuseport("select", (ctx) =>
  skSelectReuseport(ctx, group, 0, 0) === 0 ? SK_PASS : SK_DROP,
);

export const license = "GPL";
