/**
 * Which examples the differential test drives with packets, and the map entries both sides start
 * with (so lookups hit as well as miss, and counters start at interesting values: 0, mid-range, and
 * 2^64-1 so an increment wraps).
 *
 * Consumes nothing; produces `ExampleSpec`s. Keys and values are exact byte images of the C types
 * (little-endian integers; the firewall's key is the source address as the program loads it, i.e.
 * its four network-order bytes). Per-CPU maps get one value per CPU, all different, so a run that
 * touches the wrong CPU's slot shows up.
 */
import { BLOCKED_SOURCES, ipv4Bytes } from "./frames.ts";

/** How the program meets a packet. */
export type PacketHook = "xdp" | "tc" | "socket";

/** One map entry to create before the first run. */
export interface InitialEntry {
  readonly map: string;
  readonly key: Uint8Array;
  /** One value, or (per-CPU maps) one per CPU. */
  readonly values: readonly Uint8Array[];
}

/** One example program under test. */
export interface ExampleSpec {
  /** `examples/<example>.ts`. */
  readonly example: string;
  /** Its program (function name). */
  readonly program: string;
  readonly hook: PacketHook;
  /** Entries to create before the first run, for a machine with `cpus` CPUs. */
  readonly initial: (cpus: number) => InitialEntry[];
  /**
   * Return values the corpus must produce (the low 32 bits; "other": some value not listed), so a
   * corpus that never reaches a verdict fails instead of passing vacuously.
   */
  readonly returns: readonly (bigint | "other")[];
  /** Maps the program only reads (a table user space fills): exempt from "every map changed". */
  readonly readOnly?: readonly string[];
}

const U64_MAX = (1n << 64n) - 1n;

/** Little-endian bytes of `v` in `size` bytes. */
export function le(v: bigint | number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = BigInt.asUintN(size * 8, BigInt(v));
  for (let i = 0; i < size; i++, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
}

const u64 = (v: bigint | number) => le(v, 8);
const bytes = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => [...p]));
const one = (map: string, key: Uint8Array, value: bigint | number): InitialEntry => ({
  map,
  key,
  values: [u64(value)],
});
/** A per-CPU u64 entry whose value on CPU c is `base + c * step`. */
const perCpu = (
  map: string,
  key: Uint8Array,
  cpus: number,
  base: bigint,
  step: bigint,
): InitialEntry => ({
  map,
  key,
  values: Array.from({ length: cpus }, (_, c) => u64(base + BigInt(c) * step)),
});

/** The packet examples whose program type BPF_PROG_TEST_RUN supports. */
export const PACKET_EXAMPLES: readonly ExampleSpec[] = [
  {
    example: "xdp-counter",
    program: "countProtocols",
    hook: "xdp",
    initial: (cpus) => [
      perCpu("byProtocol", le(6, 4), cpus, 1000n, 100n),
      perCpu("byProtocol", le(17, 4), cpus, U64_MAX, 0n),
      perCpu("byProtocol", le(255, 4), cpus, 5n, 1n),
    ],
    returns: [2n], // XDP_PASS, always
  },
  {
    example: "xdp-firewall",
    program: "firewall",
    hook: "xdp",
    initial: (cpus) => [
      ...BLOCKED_SOURCES.map((src, i) =>
        one("blocklist", ipv4Bytes(src), [0n, 41n, U64_MAX, 0xffffffffn][i % 4]!),
      ),
      perCpu("verdicts", le(2, 4), cpus, 7n, 2n),
      perCpu("verdicts", le(1, 4), cpus, U64_MAX - 1n, 0n),
    ],
    returns: [1n, 2n], // XDP_DROP, XDP_PASS
  },
  {
    example: "xdp-nat",
    program: "nat",
    hook: "xdp",
    initial: (cpus) => {
      const MAC = new Uint8Array([2, 0, 0, 0, 0, 0xb1]);
      // struct Vip { addr (network order), port (host order), proto, pad } -> struct Backend
      // { addr, port, mac[6], ifindex }; destinations and ports come from the corpus' pools.
      const service = (vip: string, port: number, proto: number, to: string, toPort: number) =>
        ({ vip, port, proto, to, toPort }) as const;
      return [
        service("10.0.0.1", 80, 6, "192.168.7.9", 8080),
        service("10.0.0.2", 53, 17, "172.16.0.200", 5353),
        service("8.8.8.8", 443, 6, "203.0.113.5", 65535),
        service("0.0.0.0", 0, 17, "255.255.255.255", 0),
      ]
        .map((s, i): InitialEntry => ({
          map: "backends",
          key: bytes(ipv4Bytes(s.vip), le(s.port, 2), le(s.proto, 1), le(0, 1)),
          values: [bytes(ipv4Bytes(s.to), le(s.toPort, 2), MAC, le(i % 2, 4))],
        }))
        .concat([
          perCpu("verdicts", le(2, 4), cpus, 7n, 2n),
          perCpu("verdicts", le(3, 4), cpus, U64_MAX, 0n),
        ]);
    },
    returns: [2n, 3n, 4n], // XDP_PASS, XDP_TX, XDP_REDIRECT
    readOnly: ["backends"],
  },
  {
    example: "tc-portcount",
    program: "portcount",
    hook: "tc",
    initial: () => [
      one("portCounts", le(80, 2), 100n),
      one("portCounts", le(443, 2), U64_MAX),
      one("portCounts", le(65535, 2), 0n),
    ],
    returns: [0n], // TC_ACT_OK, always
  },
  {
    example: "sockfilter",
    program: "sockfilter",
    hook: "socket",
    initial: () => [one("protoCounts", le(6, 4), 7n), one("protoCounts", le(17, 4), U64_MAX)],
    returns: [0n, "other"], // drop; keep the whole (TCP) packet
  },
];
