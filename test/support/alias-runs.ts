/**
 * Runs shared by the section-alias tests (C objects, test/kernel/section-aliases.test.ts, and the
 * TypeScript `section` option, test/kernel/section-spellings.test.ts): the tracepoint spellings on an
 * exec and a test run, and datagrams on lo for the tc spellings.
 */
import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { expect } from "vitest";
import { testRun, type LoadedObject } from "../../runtime/loader/index.ts";
import { RawUdpSocket } from "./raw-udp-socket.ts";

/**
 * Attaches the tp/, raw_tp/ and raw_tp.w/ programs `names` (counting into slots 0, 1, 2 of `hits`),
 * causes an exec and a test run of `packetProgram` (which fires bpf_test_finish) and checks that each
 * ran.
 */
export function expectTracepointSpellingsRun(
  obj: LoadedObject,
  names: readonly [string, string, string],
  packetProgram: string,
  hits: (slot: number) => bigint,
): void {
  const links = names.map((n) => obj.attach(n));
  try {
    const before = [hits(0), hits(1), hits(2)];
    execFileSync("true");
    testRun(obj.program(packetProgram), { data: new Uint8Array(64) });
    expect(hits(0) - before[0]!).toBeGreaterThanOrEqual(1n);
    expect(hits(1) - before[1]!).toBeGreaterThanOrEqual(1n);
    expect(hits(2) - before[2]!).toBe(1n);
  } finally {
    for (const l of links) l.detach();
  }
}

/** Sends `count` UDP datagrams over lo to a socket of this process. */
export async function sendLoopbackDatagrams(count: number): Promise<void> {
  const sink = new RawUdpSocket();
  const tx = createSocket("udp4");
  try {
    for (let i = 0; i < count; i++)
      await new Promise<void>((r, j) =>
        tx.send("x", sink.port, "127.0.0.1", (e) => (e ? j(e) : r())),
      );
  } finally {
    tx.close();
    sink.close();
  }
}
