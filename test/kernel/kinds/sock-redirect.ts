/**
 * Kernel fixture: socket maps as redirect targets. sk_msg redirects every message to the socket in
 * SockMap slot 0 (bpf_msg_redirect_map) or, by a 4-tuple key, in a SockHash (bpf_msg_redirect_hash);
 * sk_skb stream verdict redirects to SockMap slot 1 (bpf_sk_redirect_map).
 */
import {
  BPF_F_INGRESS,
  SockHash,
  SockMap,
  msgRedirectHash,
  msgRedirectMap,
  skMsg,
  skRedirectMap,
  skSkb,
  type u32,
} from "tsbpf";

interface Flow {
  localPort: u32;
  remotePort: u32;
}

export const socks = new SockMap({ maxEntries: 4 });
export const flows = new SockHash<Flow>({ maxEntries: 16 });

export const toSlot = skMsg((ctx) => msgRedirectMap(ctx, socks, 0, BPF_F_INGRESS));
export const toFlow = skMsg((ctx) => {
  const key: Flow = { localPort: ctx.local_port, remotePort: ctx.remote_port };
  return msgRedirectHash(ctx, flows, key, BPF_F_INGRESS);
});
export const skbToSlot = skSkb("stream_verdict", (ctx) => skRedirectMap(ctx, socks, 1, 0));

export const license = "GPL";
