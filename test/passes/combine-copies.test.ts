/**
 * combine-copies (compiler/passes/combine-copies.ts): stores of context fields loaded side by side
 * become one copy moved in the widest accesses. On IR: a run becomes a memcpy; a context passed to
 * a helper, or a load of the destination between the stores, keeps the stores. On a program: the
 * fixture's u16 pairs move as u32s and its two addresses as one u64, and the VM (both engines)
 * stores what a JS reference reads from the records; the kernel verifier accepts the object.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { combineCopies } from "../../compiler/passes/combine-copies.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { loadObject } from "../../runtime/loader/index.ts";
import { loadProbe, tracepointContext } from "../../testing/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";
import { expectUnchanged, runPass } from "./support.ts";

type Fixture = typeof import("./fixtures/combine-copies.ts");
const FIXTURE = "test/passes/fixtures/combine-copies.ts";

/** Two u16 context fields stored side by side into a stack slot, with `between` after the first. */
const copies = (between: string) => `
      func @f(ptr) -> i64 section "tracepoint/sock/inet_sock_set_state" {
        slot s0 size 8 align 8 "key"
      b0(v0:ptr):
        v1:ptr = stackslot s0
        v2:i32 = load.2 v0, 24
        store.2 v1, 0, v2
        ${between}
        v3:i32 = load.2 v0, 26
        store.2 v1, 2, v3
        v4:i64 = load.4 v1, 0
        ret v4
      }`;

describe("combine-copies on IR", () => {
  it("replaces a run of copied fields with one memcpy", () => {
    const { out, changed } = runPass(combineCopies, copies("v9:i64 = const 1"));
    expect(changed).toBe(true);
    expect(out).toMatch(/memcpy v\d+, v\d+, 4, align 2\n {2}v4:i64 = load.4 v1, 0/);
    expect(out).not.toMatch(/store.2/);
  });

  it("keeps the stores when the destination is read between them", () => {
    expectUnchanged(combineCopies, copies("v9:i64 = load.2 v1, 0"));
  });

  it("keeps the stores when a helper is given the context", () => {
    expectUnchanged(combineCopies, copies("v9:i64 = callhelper get_stackid#27(v0, v1, v1)"));
  });
});

async function build(optimize = true): Promise<{ asm: string; obj: Uint8Array }> {
  const src = readFileSync(FIXTURE, "utf8");
  const opts = { mcpu: 3 as const, check: true, optimize };
  const asm = await compileSource(src, FIXTURE, { ...opts, emit: "asm" });
  const obj = await compileSource(src, FIXTURE, { ...opts, emit: "obj" });
  expect(asm.diagnostics).toEqual([]);
  return { asm: asm.asm!, obj: obj.object! };
}

describe("combine-copies on a program", () => {
  it("moves the ports and family/protocol as u32s and the addresses as one u64", async () => {
    const { asm } = await build();
    const moves = asm.match(/= \*\(u\d+ \*\)\(r\d \+ \d+\)$/gm) ?? [];
    expect(moves).toEqual(
      expect.arrayContaining(["= *(u32 *)(r6 + 24)", "= *(u32 *)(r6 + 28)", "= *(u64 *)(r6 + 32)"]),
    );
    expect(asm).not.toMatch(/\*\(u16 \*\)\(r0 \+/);
  });

  for (const engine of ["interpreter", "jit"] as const) {
    it(`stores what the JS reference reads from each record (VM, ${engine})`, async () => {
      const p = await loadProbe<Fixture>(FIXTURE, { target: "vm", engine });
      const records = [
        { sport: 40000, dport: 443, family: 2, protocol: 6, saddr: 0x0100007f, daddr: 0x0200000a },
        { sport: 1, dport: 0xffff, family: 10, protocol: 17, saddr: 0xdeadbeef, daddr: 7 },
        { sport: 0x8000, dport: 2, family: 2, protocol: 0xabcd, saddr: 0xffffffff, daddr: 0 },
      ];
      const want: Record<number, unknown> = {};
      for (const r of records) {
        const ctx = tracepointContext("sock/inet_sock_set_state", { ...r, newstate: 1 });
        expect(p.program("onStateChange").run({ ctx }).ret).toBe(0);
        if (r.family === 2) want[0] = r;
        else
          want[1] = { sport: r.sport, dport: r.dport, family: 0, protocol: 0, saddr: 0, daddr: 0 };
        for (const k of [0, 1]) if (want[k]) expect(p.map("ends").get(k)).toEqual(want[k]);
      }
    });
  }

  it.skipIf(!kernelReady("combine-copies fixture on the kernel verifier"))(
    "loads on the kernel (the verifier accepts the wide context reads)",
    async () => {
      const { obj } = await build();
      loadObject(readBpfObject(obj), {}).close();
    },
  );
});
