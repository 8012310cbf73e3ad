/**
 * The socket-map redirect helpers of sk_msg and sk_skb programs (net/core/sock_map.c):
 * bpf_msg_redirect_map / _hash and bpf_sk_redirect_map / _hash look the key up in a sockmap or
 * sockhash (runtime/maps/socket-map.ts) and return SK_PASS with the target recorded for the run
 * (`HelperEnv.socketRedirect`, reported as the run result's `socketRedirect`), or SK_DROP when the
 * key has no socket or the flags hold anything but BPF_F_INGRESS, as the kernel does. The `_map`
 * forms take a u32 slot, the `_hash` forms a pointer to a key of the map's key size.
 */
import { returnValue } from "../../core/kernel/return-codes.ts";
import { SocketMap } from "../maps/socket-map.ts";
import type { HelperImpl } from "./types.ts";
import { errno, helperError, mapArg } from "./types.ts";
import { Errno } from "../maps/types.ts";

const SK_DROP = returnValue("SK_DROP");
const SK_PASS = returnValue("SK_PASS");
const BPF_F_INGRESS = 1n;

/** Where an sk_msg / sk_skb program redirected its message or packet. */
export interface SocketRedirect {
  /** The helper that chose it (`msg_redirect_map`, `sk_redirect_hash`, ...). */
  readonly helper: string;
  /** The socket map's name. */
  readonly map: string;
  /** The key looked up, as hex bytes (a sockmap slot is 4 little-endian bytes). */
  readonly key: string;
  /** The entry the key found: the socket fd user space stored. */
  readonly socket: bigint;
  /** BPF_F_INGRESS: onto the socket's receive queue rather than out of it. */
  readonly ingress: boolean;
}

function redirect(name: string, hashed: boolean): HelperImpl {
  return {
    name,
    fn(call, env) {
      const m = mapArg(call, env, 2, name);
      if (!(m instanceof SocketMap))
        throw helperError(name, `map ${m.spec.name} is a ${m.kind}, not a sockmap or sockhash`);
      const key = hashed
        ? call.memory.read(call.args[2]!, m.spec.keySize)
        : new Uint8Array(new Uint32Array([Number(BigInt.asUintN(32, call.args[2]!))]).buffer);
      const flags = call.args[3]!;
      if ((flags & ~BPF_F_INGRESS) !== 0n) return SK_DROP;
      const socket = m.target(key);
      if (socket === undefined) return SK_DROP;
      env.socketRedirect = {
        helper: name,
        map: m.spec.name,
        key: Buffer.from(key).toString("hex"),
        socket,
        ingress: (flags & BPF_F_INGRESS) !== 0n,
      };
      return SK_PASS;
    },
  };
}

const selectReuseport: HelperImpl = {
  name: "sk_select_reuseport",
  fn(call, env) {
    const m = mapArg(call, env, 2, "sk_select_reuseport");
    if (!(m instanceof SocketMap))
      throw helperError(
        "sk_select_reuseport",
        `map ${m.spec.name} is a ${m.kind}, not a reuseport_sockarray, sockmap or sockhash`,
      );
    const key = call.memory.read(call.args[2]!, m.spec.keySize);
    const socket = m.target(key);
    if (socket === undefined) return errno(Errno.ENOENT);
    env.socketRedirect = {
      helper: "sk_select_reuseport",
      map: m.spec.name,
      key: Buffer.from(key).toString("hex"),
      socket,
      ingress: false,
    };
    return 0n;
  },
};

/** The four socket-map redirect helpers and bpf_sk_select_reuseport. */
export const SOCKET_REDIRECT_HELPERS: readonly HelperImpl[] = [
  selectReuseport,
  redirect("msg_redirect_map", false),
  redirect("msg_redirect_hash", true),
  redirect("sk_redirect_map", false),
  redirect("sk_redirect_hash", true),
];
