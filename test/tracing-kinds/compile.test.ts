/**
 * The tracing program kinds at compile time: the libbpf section each stdlib kind emits, seqPrintf's
 * format checks (TSB3050, as bpf_bprintf_prepare would refuse at run time) and its use outside an
 * iterator (TSB3051), an iterator's constant return outside 0..1 (TSB3120, which the verifier
 * refuses), each reported at the offending node. Uses the fixture BTF, not the machine's.
 */
import { describe, expect, it } from "vitest";
import { compileToIr } from "../../compiler/frontend/index.ts";
import { parseSeqFormat } from "../../compiler/frontend/lower-seq.ts";
import { fixtureBtf } from "../frontend/btf-fixture.ts";

function compile(body: string) {
  const src = `import { iter, lsm, kprobeMulti, uprobeMulti, usdt, tracepoint, seqPrintf } from "tsbpf";\n${body}\nexport const license = "GPL";\n`;
  return compileToIr(src, "t.ts", { btf: fixtureBtf() });
}
const errors = (r: ReturnType<typeof compile>) =>
  r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`);

describe("tracing kinds compile", () => {
  it("each kind emits its libbpf section", () => {
    const r = compile(`
      export const a = iter("task", (ctx) => 0);
      export const b = lsm("file_open", (_ctx, file) => (file === 0 ? 0 : 0));
      export const c = kprobeMulti("vfs_*", (ctx) => 0);
      export const d = uprobeMulti("/bin/sh:str*", (ctx) => 0);
      export const e = usdt("/bin/sh:p:n", (ctx) => 0);
    `);
    expect(errors(r)).toEqual([]);
    expect(r.module!.functions.map((f) => f.section)).toEqual([
      "iter/task",
      "lsm/file_open",
      "kprobe.multi/vfs_*",
      "uprobe.multi//bin/sh:str*",
      "usdt//bin/sh:p:n",
    ]);
  });

  it("parseSeqFormat knows the kernel's conversions", () => {
    const convs = parseSeqFormat("%d %5lld %-8s %llx %c %pK %% %pI4");
    expect(typeof convs === "string" ? convs : convs.map((c) => c.takes)).toEqual([
      "int",
      "int",
      "string",
      "int",
      "int",
      "pointer",
      "string",
    ]);
    expect(parseSeqFormat("%f")).toMatch(/'%f' is not a conversion/);
    expect(parseSeqFormat("%ls")).toMatch(/'l' and 'll' go only with/);
  });

  it("a wrong argument count is TSB3050 at the format", () => {
    const r = compile(`
      export const a = iter("task", (ctx) => {
        const t = ctx.task;
        if (!t) return 0;
        seqPrintf(ctx, "%d %d\\n", t.pid);
        return 0;
      });`);
    expect(errors(r)).toEqual([
      expect.stringMatching(
        /^TSB3050 seqPrintf: the format has 2 conversions \(%d %d\) but 1 argument follows it$/,
      ),
    ]);
  });

  it("an unknown conversion is TSB3050", () => {
    const r = compile(`
      export const a = iter("task", (ctx) => seqPrintf(ctx, "%q\\n"));`);
    expect(errors(r)[0]).toMatch(/^TSB3050 .*'%q' is not a conversion/);
  });

  it("seqPrintf outside an iterator is refused at the call", () => {
    const r = compile(`
      export const a = lsm("file_open", (ctx) => seqPrintf(ctx, "x\\n"));`);
    expect(errors(r).join("\n")).toMatch(/SeqFile|IterContext|iterator/);
  });

  it("an iterator returning a constant other than 0 or 1 is TSB3120 at the value", () => {
    const r = compile(`
      export const a = iter("task", (ctx) => {
        const t = ctx.task;
        if (!t) return 0;
        if (t.pid === 1) return 1;
        return -1;
      });
      export const b = iter("bpf_map", (ctx) => 2);`);
    const msg =
      "an iterator program returns 0 (go on to the next object) or 1 (end this read before the object, to retry it); the kernel's verifier refuses";
    const found = r.diagnostics.filter((d) => d.code === "TSB3120");
    expect(found.map((d) => [d.message, d.line])).toEqual([
      [`${msg} -1`, 7],
      [`${msg} 2`, 9],
    ]);
    // Other kinds keep their own return values (an LSM hook returns -EPERM).
    const lsmOk = compile(`export const c = lsm("file_open", (ctx) => -1);`);
    expect(lsmOk.diagnostics.filter((d) => d.code === "TSB3120")).toEqual([]);
  });
});
