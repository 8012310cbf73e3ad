/**
 * The `section` option of a program declaration (compiler/frontend/program-options.ts): a spelling
 * libbpf has for the kind's section is the ELF section; one it lacks is TSB3080 at the spelling,
 * naming the ones it has; options that are not a literal `{ section: "..." }` are TSB3081. Each is
 * the one diagnostic, with file:line:col and a code frame.
 */
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { formatDiagnostic } from "../../compiler/diag/index.ts";
import { compileToIr } from "../../compiler/frontend/index.ts";

const HEAD = `import { cgroupSkb, kprobe, tc, tcx, tracepoint } from "tsbpf";\nexport const license = "GPL";\n`;

function only(src: string): string {
  const r = compileToIr(src, "t.ts");
  expect(r.module).toBeUndefined();
  expect(r.diagnostics).toHaveLength(1);
  return formatDiagnostic(r.diagnostics[0]!, src);
}

describe("program section spellings", () => {
  it("each spelling is the ELF section of the same program kind", async () => {
    const src = `${HEAD}export const a = tracepoint("sched/sched_process_exec", (ctx) => 0, { section: "tp" });
export const b = tc((ctx) => 0, { section: "classifier" });
export const c = tcx("egress", (ctx) => 0, { section: "tc/egress" });
export const d = tcx("egress", (ctx) => 0);
`;
    const out = await compileSource(src, "t.ts", { check: true });
    expect(out.diagnostics).toEqual([]);
    expect(out.spec!.programs.map((p) => p.section)).toEqual([
      "tp/sched/sched_process_exec",
      "classifier",
      "tc/egress",
      "tcx/egress",
    ]);
  });

  it("a spelling libbpf lacks for the kind is TSB3080 at it, naming the ones it has", () => {
    const src = `${HEAD}// @ts-ignore\nexport const a = tcx("ingress", (ctx) => 0, { section: "tc/egress" });\n`;
    const [head, frame, caret] = only(src).split("\n");
    expect(head).toBe(
      `t.ts:4:56: error TSB3080: section "tc/egress" is not a spelling of SEC("tcx/ingress"): libbpf spells it only "tc/ingress" (libbpf's section table, the rows that spell another)`,
    );
    expect(frame).toMatch(
      /4 \| export const a = tcx\("ingress", \(ctx\) => 0, \{ section: "tc\/egress" \}\);$/,
    );
    // The caret sits under the spelling: column 54 of the source line.
    expect(caret!.indexOf("^") - caret!.indexOf("|")).toBe(
      frame!.indexOf('"tc/egress"') - frame!.indexOf("|"),
    );
    expect(caret).toMatch(/\^{11}$/);
  });

  it("cgroup/skb spells only ingress (libbpf attaches it with attach type 0, ingress); kprobe has none", () => {
    const egress = `${HEAD}// @ts-ignore\nexport const a = cgroupSkb("egress", (ctx) => 1, { section: "cgroup/skb" });\n`;
    expect(only(egress)).toMatch(
      /^t\.ts:4:\d+: error TSB3080: section "cgroup\/skb" is not a spelling of SEC\("cgroup_skb\/egress"\): libbpf has no other spelling of it/,
    );
    const kp = `${HEAD}// @ts-ignore\nexport const a = kprobe("vfs_read", (ctx) => 0, { section: "ksyscall" });\n`;
    expect(only(kp)).toMatch(
      /TSB3080: section "ksyscall" is not a spelling of SEC\("kprobe\/vfs_read"\)/,
    );
  });

  it('options that are not a literal { section: "..." } are TSB3081 at the mistake', () => {
    const notLiteral = `${HEAD}// @ts-ignore\nexport const a = tracepoint("sched/sched_process_exec", (ctx) => 0, 7);\n`;
    expect(only(notLiteral)).toMatch(
      /^t\.ts:4:69: error TSB3081: the options of tracepoint: it must be an object literal\n.*4 \| export const a = tracepoint/,
    );
    const unknown = `${HEAD}// @ts-ignore\nexport const a = tc((ctx) => 0, { sec: "classifier" });\n`;
    expect(only(unknown)).toMatch(
      /^t\.ts:4:35: error TSB3081: the options of tc: 'sec: "classifier"' is not an option \(the options are: section\)/,
    );
  });
});
