/**
 * Context writes: a program may assign exactly the fields its program type's verifier allows
 * (core/kernel/context-access.ts, probed from the kernel); any other is TSB3008 at the field, naming
 * the writable ones for that program type — not TypeScript's TS2540, since the stdlib declares the
 * fields assignable and leaves the per-type decision to tsbpf.
 */
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";

async function errors(body: string): Promise<string[]> {
  const src = `import { tc, xdp, socketFilter, u32 } from "tsbpf";
${body}
export const license = "GPL";
`;
  const out = await compileSource(src, "t.ts", { check: true });
  return out.diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => `${d.code} ${d.line}:${d.col} ${d.message}`);
}

describe("writable context fields", () => {
  it("tc writes mark, priority, tc_index, queue_mapping, tc_classid, tstamp and cb", async () => {
    expect(
      await errors(`export const p = tc((ctx) => {
  ctx.mark = 1; ctx.priority = 2; ctx.tc_index = 3; ctx.queue_mapping = 4;
  ctx.tc_classid = 5; ctx.tstamp = 6; ctx.cb[4] = 7; ctx.mark += 1; ctx.cb[0]++;
  return 0;
});`),
    ).toEqual([]);
  });

  it("a read-only __sk_buff field in tc: TSB3008 at the field, naming the writable ones", async () => {
    expect(
      await errors(`export const p = tc((ctx) => {
  ctx.len = 3;
  return 0;
});`),
    ).toEqual([
      "TSB3008 3:3 cannot assign to 'ctx.len': a program in section 'tc' (BPF_PROG_TYPE_SCHED_CLS) may write only 'mark', 'queue_mapping', 'priority', 'tc_index', 'cb', 'tc_classid' and 'tstamp' of struct __sk_buff",
    ]);
  });

  it("socket filters may write cb only; compound assignment and ++ are checked too", async () => {
    const e = await errors(`export const p = socketFilter((ctx) => {
  ctx.cb[1] = 9;
  ctx.mark |= 1;
  ctx.priority++;
  return 0;
});`);
    expect(e).toEqual([
      "TSB3008 4:3 cannot assign to 'ctx.mark': a program in section 'socket' (BPF_PROG_TYPE_SOCKET_FILTER) may write only 'cb' of struct __sk_buff",
      "TSB3008 5:3 cannot assign to 'ctx.priority': a program in section 'socket' (BPF_PROG_TYPE_SOCKET_FILTER) may write only 'cb' of struct __sk_buff",
    ]);
  });

  it("xdp writes no field of xdp_md", async () => {
    expect(
      await errors(`export const p = xdp((ctx) => {
  ctx.ingress_ifindex = 2;
  return 2;
});`),
    ).toEqual([
      "TSB3008 3:3 cannot assign to 'ctx.ingress_ifindex': a program in section 'xdp' (BPF_PROG_TYPE_XDP) may write no field of struct xdp_md",
    ]);
  });

  it("a context store is never forwarded to a later load (the kernel may keep fewer bits)", async () => {
    const src = `import { tc } from "tsbpf";
export const p = tc((ctx) => { ctx.tc_index = 0x12345; ctx.cb[0] = ctx.tc_index; return 0; });
export const license = "GPL";
`;
    const out = await compileSource(src, "t.ts", { emit: "asm" });
    // The read of tc_index (offset 44) stays a load after the store.
    expect(out.asm).toMatch(/\*\(u32 \*\)\(r1 \+ 44\) = w\d[\s\S]*w\d = \*\(u32 \*\)\(r1 \+ 44\)/);
  });
});
