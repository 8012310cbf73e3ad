/**
 * Shared helpers of the example tests: compile an `examples/<tool>.ts` once per test file, load it
 * into the bundled VM, and build the inputs the kernel would give the programs — tracepoint records
 * laid out per the stdlib structs, and packets assembled byte by byte.
 *
 * Consumes example names and field values; produces object bytes, `VmObject`s and `Uint8Array`s.
 * Compilation problems fail loudly (the diagnostics are in the message).
 */
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { compileSource } from "../../compiler/driver.ts";
import { formatDiagnostics } from "../../compiler/diag/index.ts";
import { VmObject, type VmObjectOptions } from "../../runtime/vm/api.ts";
import { i32, u16, u32, u64, u8 } from "../../runtime/vm/codecs.ts";
import type { ProbeOptions } from "../../testing/index.ts";

const cache = new Map<string, Promise<Uint8Array>>();

/** The ELF object of `examples/<name>.ts`; throws with the formatted diagnostics on any. */
export function buildExample(name: string): Promise<Uint8Array> {
  let hit = cache.get(name);
  if (!hit) {
    hit = (async () => {
      const file = `examples/${name}.ts`;
      const source = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
      const out = await compileSource(source, file, { check: true });
      if (out.diagnostics.length > 0 || !out.object)
        throw new Error(formatDiagnostics(out.diagnostics, { [file]: source }));
      return out.object;
    })();
    cache.set(name, hit);
  }
  return hit;
}

/** A fresh VM instance of an example (its maps start empty). */
export async function loadExample(name: string, options: VmObjectOptions = {}): Promise<VmObject> {
  return VmObject.load(await buildExample(name), options);
}

/** A clock the test moves by hand: `clock.now = 5_000n`. */
export function manualClock(start = 1_000_000_000n): { now: bigint; read: () => bigint } {
  const c = { now: start, read: () => c.now };
  return c;
}

/** The eight bytes every tracepoint record starts with (`struct trace_entry`). */
export const TRACE_ENTRY = {
  common_type: u16,
  common_flags: u8,
  common_preempt_count: u8,
  common_pid: i32,
};
/** The IPv4 part of a sock/inet_sock_set_state record (the stdlib's InetSockSetStateArgs). */
export const INET_SOCK_SET_STATE = {
  ...TRACE_ENTRY,
  skaddr: u64,
  oldstate: i32,
  newstate: i32,
  sport: u16,
  dport: u16,
  family: u16,
  protocol: u16,
  saddr: u32,
  daddr: u32,
};
/** Header values of a record written by process `pid`. */
export const traceEntry = (pid: number) => ({
  common_type: 300,
  common_flags: 0,
  common_preempt_count: 0,
  common_pid: pid,
});

/** Bytes of a NUL-terminated string. */
export const cBytes = (s: string): Uint8Array => new TextEncoder().encode(`${s}\0`);

/** The C string at the start of `b`. */
export const cString = (b: Uint8Array): string => {
  const nul = b.indexOf(0);
  return new TextDecoder().decode(nul < 0 ? b : b.subarray(0, nul));
};

/** Dotted IPv4 address → its 4 bytes in network order. */
export const ipv4 = (dotted: string): Uint8Array => new Uint8Array(dotted.split(".").map(Number));

/** The u32 a program reads from 4 network-order address bytes (a little-endian load). */
export const addrWord = (dotted: string): number =>
  new DataView(ipv4(dotted).buffer).getUint32(0, true);

/** An Ethernet frame: 6+6 MAC bytes, the EtherType, then `payload`. */
export function ethernet(etherType: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  f.set([0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02]);
  f[12] = etherType >> 8;
  f[13] = etherType & 0xff;
  f.set(payload, 14);
  return f;
}

/** An IPv4 header (IHL words, options zero-filled) followed by `payload`. */
export function ipv4Packet(opts: {
  src: string;
  dst: string;
  protocol: number;
  payload?: Uint8Array;
  ihl?: number;
}): Uint8Array {
  const ihl = opts.ihl ?? 5;
  const payload = opts.payload ?? new Uint8Array(0);
  const p = new Uint8Array(ihl * 4 + payload.length);
  p[0] = 0x40 | ihl;
  const total = p.length;
  p[2] = total >> 8;
  p[3] = total & 0xff;
  p[8] = 64; // ttl
  p[9] = opts.protocol;
  p.set(ipv4(opts.src), 12);
  p.set(ipv4(opts.dst), 16);
  p.set(payload, ihl * 4);
  return p;
}

/** The first bytes of a TCP or UDP header: source and destination port in network order. */
export function ports(source: number, dest: number, extra = 4): Uint8Array {
  const b = new Uint8Array(4 + extra);
  b.set([source >> 8, source & 0xff, dest >> 8, dest & 0xff]);
  return b;
}

/** Each VM engine, then the kernel: the targets of a packet example's shared assertions. */
export const ENGINES_AND_KERNEL: readonly [string, ProbeOptions][] = [
  ["vm, interpreter", { target: "vm", engine: "interpreter" }],
  ["vm, jit", { target: "vm", engine: "jit" }],
  ["kernel", { target: "kernel" }],
];

/**
 * Runs `during(connectOnce)` with a TCP server on 127.0.0.1 (an ephemeral port) that closes each
 * connection; `connectOnce()` connects to it and resolves once the connection is closed. Resolves
 * with the port; the server is closed afterwards.
 */
export async function withLocalServer(
  during: (connectOnce: () => Promise<void>) => Promise<void>,
): Promise<number> {
  const server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const connectOnce = () =>
    new Promise<void>((resolve, reject) => {
      const c = connect(port, "127.0.0.1", () => c.end());
      c.on("close", () => resolve());
      c.on("error", reject);
    });
  try {
    await during(connectOnce);
  } finally {
    server.close();
  }
  return port;
}
