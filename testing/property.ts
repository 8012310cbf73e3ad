/**
 * Property tests of probes with fast-check: arbitraries for frames (built with packets/layers.ts,
 * so checksums and lengths are right unless a case asks otherwise) and for tracepoint contexts,
 * and `agreeOnTargets`, which runs N generated inputs through the same program on the VM and on the
 * live kernel and, on the first disagreement (return value, packet out, or whatever the test
 * observes in maps), lets fast-check shrink the input to a minimal one and fails with it.
 *
 * fast-check (a dependency of tsbpf) is loaded when first used, so importing `tsbpf/test` stays light.
 * Both targets see the same sequence of inputs, so map state built up by earlier runs is the same
 * on both sides and stays part of the comparison.
 */
import { createRequire } from "node:module";
import type * as FastCheck from "fast-check";
import type { Codec, UserValue } from "../runtime/user/map-codec.ts";
import { encodeValue } from "../runtime/user/map-codec.ts";
import { tracepointCodec } from "./context.ts";
import {
  ethernet,
  icmp,
  icmpv6,
  ipv4,
  ipv6,
  packet,
  payload,
  tcp,
  udp,
  vlan,
  type Ipv6Extension,
  type Layer,
} from "./packets/index.ts";
import { loadProbe, type Probe, type ProbeOptions, type ProbeRunResult } from "./probe.ts";
import type { ProbeModule } from "./probe-types.ts";

let fcModule: typeof FastCheck | undefined;
/** The fast-check module (a clear error when it is not installed). */
export function fastCheck(): typeof FastCheck {
  if (!fcModule) {
    try {
      fcModule = createRequire(import.meta.url)("fast-check") as typeof FastCheck;
    } catch {
      throw new Error(
        "tsbpf/test's property helpers need fast-check (a dependency of tsbpf): npm install",
      );
    }
  }
  return fcModule;
}

/** What frames `packetArbitrary` generates. */
export interface PacketArbitraryOptions {
  /**
   * Shortest frame after truncation (default 14: the kernel's test run wants an Ethernet header;
   * tc and other skb programs want the whole IP header too: 14 + 40).
   */
  readonly minLength?: number;
  /** Probability-ish weight of cutting a frame short (default 1 in 4). */
  readonly truncate?: boolean;
  /** IPv4 source addresses to pick from besides random ones (e.g. a blocklist's). */
  readonly sources?: readonly string[];
}

/** Frames: Ethernet, maybe VLAN-tagged; IPv4 (with options), IPv6 (with extensions) or other; TCP, UDP, ICMP or raw. */
export function packetArbitrary(
  opts: PacketArbitraryOptions = {},
): FastCheck.Arbitrary<Uint8Array> {
  const fc = fastCheck();
  const byte = fc.integer({ min: 0, max: 255 });
  const v4addr = fc.oneof(
    fc.tuple(byte, byte, byte, byte).map((b) => b.join(".")),
    ...(opts.sources?.length ? [fc.constantFrom(...opts.sources)] : []),
  );
  const v6addr = fc.uint8Array({ minLength: 16, maxLength: 16 });
  const port = fc.integer({ min: 0, max: 65535 });
  const l4 = (v6: boolean): FastCheck.Arbitrary<Layer[]> =>
    fc.oneof(
      fc.record({ sport: port, dport: port, flags: byte }).map((f) => [tcp(f)]),
      fc.record({ sport: port, dport: port }).map((f) => [udp(f)]),
      fc.record({ id: port, seq: port }).map((f) => [v6 ? icmpv6(f) : icmp(f)]),
      fc.constant<Layer[]>([]),
    );
  const ext: FastCheck.Arbitrary<Ipv6Extension> = fc.oneof(
    fc.constant<Ipv6Extension>({ type: "hop-by-hop" }),
    fc.constant<Ipv6Extension>({ type: "destination" }),
    fc.constant<Ipv6Extension>({ type: "routing" }),
    fc
      .integer({ min: 0, max: 0xffff })
      .map((id): Ipv6Extension => ({ type: "fragment", identification: id })),
  );
  const l3: FastCheck.Arbitrary<Layer[]> = fc.oneof(
    fc
      .tuple(
        fc.record({
          src: v4addr,
          dst: v4addr,
          ttl: byte,
          options: fc.uint8Array({ maxLength: 40 }).map((o) => o.subarray(0, o.length & ~3)),
        }),
        l4(false),
      )
      .map(([ip, rest]) => [ipv4(ip), ...rest]),
    fc
      .tuple(
        fc.record({ src: v6addr, dst: v6addr, extensions: fc.array(ext, { maxLength: 3 }) }),
        l4(true),
      )
      .map(([ip, rest]) => [ipv6(ip), ...rest]),
    // Other protocols: any EtherType but IPv4, IPv6 and VLAN tags (those come with their headers).
    fc
      .integer({ min: 0x0600, max: 0xffff })
      .filter((t) => ![0x0800, 0x86dd, 0x8100, 0x88a8].includes(t))
      .map((type): Layer[] => [ethernet({ type })]),
  );
  const frame = fc
    .tuple(
      fc.option(fc.integer({ min: 0, max: 4095 }), { nil: undefined }),
      l3,
      fc.uint8Array({ maxLength: 64 }),
    )
    .map(([tag, layers, body]) => {
      const head = layers[0]?.kind === "ethernet" ? [] : [ethernet()];
      const tagged = tag === undefined ? [] : [vlan({ id: tag })];
      const all =
        layers[0]?.kind === "ethernet"
          ? [layers[0], ...tagged, ...layers.slice(1)]
          : [...head, ...tagged, ...layers];
      return packet(...all, payload(body));
    });
  if (opts.truncate === false) return frame;
  const min = opts.minLength ?? 14;
  return fc
    .tuple(frame, fc.nat(), fc.integer({ min: 0, max: 3 }))
    .map(([f, cut, dice]) =>
      dice === 0 && f.length > min ? f.subarray(0, min + (cut % (f.length - min))) : f,
    );
}

/** Values of a codec's type (strings for byte arrays, bigints for 64-bit integers). */
function valueArbitrary(c: Codec): FastCheck.Arbitrary<UserValue> {
  const fc = fastCheck();
  switch (c.kind) {
    case "int":
      return c.size === 8
        ? c.signed
          ? fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })
          : fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })
        : c.signed
          ? fc.integer({ min: -(2 ** (c.size * 8 - 1)), max: 2 ** (c.size * 8 - 1) - 1 })
          : fc.integer({ min: 0, max: 2 ** (c.size * 8) - 1 });
    case "bool":
      return fc.boolean();
    case "string":
      return fc.string({ unit: "grapheme-ascii", maxLength: c.size - 1 });
    case "array":
      return fc.array(valueArbitrary(c.element), { minLength: c.length, maxLength: c.length });
    case "struct":
      return fc.record(
        Object.fromEntries(c.fields.map((f) => [f.name, valueArbitrary(f.codec)])),
      ) as FastCheck.Arbitrary<UserValue>;
    default:
      return fc.uint8Array({ minLength: c.size, maxLength: c.size });
  }
}

/**
 * Records of tracepoint `name` (its stdlib struct) with random field values, `fixed` fields
 * overriding them.
 */
export function tracepointArbitrary(
  name: string,
  fixed: Record<string, UserValue> = {},
): FastCheck.Arbitrary<Uint8Array> {
  const codec = tracepointCodec(name);
  return valueArbitrary(codec).map((v) =>
    encodeValue(codec, { ...(v as Record<string, UserValue>), ...fixed }, name),
  );
}

/** Options of `agreeOnTargets`. */
export interface AgreementOptions<M extends ProbeModule, T> {
  /** The program to run. */
  readonly program: string;
  /** Inputs: frames for packet programs. */
  readonly packets: FastCheck.Arbitrary<Uint8Array>;
  /** Generated inputs (default 200). */
  readonly runs?: number;
  /** fast-check seed, to replay a failure. */
  readonly seed?: number;
  /** Prepares each probe once after loading (fill maps). */
  readonly setup?: (p: Probe<M>) => void;
  /** What else must agree after each run, e.g. a map's entries (default: nothing). */
  readonly observe?: (p: Probe<M>, result: ProbeRunResult) => T;
  /** Options of both loads (`test` lets a missing kernel skip the test). */
  readonly load?: Omit<ProbeOptions, "target">;
}

/**
 * Runs generated packets through `program` on the VM and the kernel and asserts they agree on the
 * return value, the packet after the run and `observe`'s value; fast-check shrinks a disagreement
 * and the error names the smallest input found. Returns the number of inputs run.
 */
export async function agreeOnTargets<M extends ProbeModule = ProbeModule, T = undefined>(
  file: string | URL,
  opts: AgreementOptions<M, T>,
): Promise<number> {
  const fc = fastCheck();
  const vm = await loadProbe<M>(file, { ...opts.load, target: "vm" });
  const kernel = await loadProbe<M>(file, { ...opts.load, target: "kernel" });
  let count = 0;
  try {
    opts.setup?.(vm);
    opts.setup?.(kernel);
    const side = (p: Probe<M>, frame: Uint8Array) => {
      const r = p.program(opts.program).run({ packet: frame });
      return {
        ret: r.ret,
        retName: r.retName,
        packetOut: Buffer.from(r.packetOut ?? new Uint8Array(0)).toString("hex"),
        observed: opts.observe?.(p, r),
      };
    };
    const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex");
    const details = fc.check(
      fc.property(opts.packets, (frame) => {
        count++;
        const a = side(vm, frame);
        let b;
        try {
          b = side(kernel, frame);
        } catch (e) {
          throw new Error(`the kernel refused ${hexOf(frame)}: ${(e as Error).message}`);
        }
        if (JSON.stringify(a, bigintJson) !== JSON.stringify(b, bigintJson))
          throw new Error(
            `VM and kernel disagree on ${hexOf(frame)}:\n` +
              `  vm:     ${JSON.stringify(a, bigintJson)}\n  kernel: ${JSON.stringify(b, bigintJson)}`,
          );
      }),
      { numRuns: opts.runs ?? 200, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) },
    );
    if (details.failed) {
      const cause = details.errorInstance;
      const why = cause instanceof Error ? cause.message : String(cause);
      throw new Error(
        `${why}\n(smallest failing input after ${details.numRuns} inputs and ${details.numShrinks} ` +
          `shrinks; replay with seed: ${details.seed})`,
      );
    }
  } finally {
    await vm.close();
    await kernel.close();
  }
  return count;
}

function bigintJson(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? `${v}n` : v;
}
