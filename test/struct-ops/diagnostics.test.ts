/**
 * Bad struct_ops declarations are TSB31xx errors at the offending node, checked against the
 * running kernel's BTF: an ops struct the kernel does not have or does not register as a
 * struct_ops type, a member the struct lacks (with the nearest names), a function where data is
 * expected and data where a function is, more parameters than the member's prototype, data that
 * does not fit its member, and malformed options. `tsbpf build` prints them with a code frame.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileToIr } from "../../compiler/frontend/index.ts";
import { hasVmlinuxBtf } from "../support/env.ts";

const ROOT = join(import.meta.dirname, "../..");
const hasBtf = hasVmlinuxBtf("struct_ops members are checked against /sys/kernel/btf/vmlinux");

const HEAD = `import { structOps, u32 } from "tsbpf";\n`;
const decl = (struct: string, members: string, opts = "") =>
  `${HEAD}export const cc = structOps("${struct}", {\n${members}\n}${opts});\nexport const license = "GPL";\n`;

function diagnostics(src: string): string[] {
  return compileToIr(src, "t.ts").diagnostics.map(
    (d) => `${d.code}@${d.line}:${d.col} ${d.message}`,
  );
}

describe.skipIf(!hasBtf)("structOps diagnostics", () => {
  it("a struct the kernel lacks, or one that is not a struct_ops type, is TSB3101 at its name", () => {
    const lacks = diagnostics(decl("no_such_ops", `  name: "x",`));
    expect(lacks).toHaveLength(1);
    expect(lacks[0]).toMatch(
      /^TSB3101@2:29 'no_such_ops' is not a struct_ops type of the kernel BTF \(\/sys\/kernel\/btf\/vmlinux\): it has no struct no_such_ops; list the struct_ops types with `bpftool btf dump file \/sys\/kernel\/btf\/vmlinux \| grep "STRUCT 'bpf_struct_ops_"`$/,
    );
    expect(diagnostics(decl("task_struct", `  pid: 1,`))).toEqual([
      expect.stringMatching(
        /^TSB3101@2:29 'task_struct' .*: struct task_struct exists but there is no bpf_struct_ops_task_struct, so the kernel does not register it as a struct_ops type;/,
      ),
    ]);
  });

  it("an unknown member is TSB3102 at its name, with the nearest members", () => {
    expect(diagnostics(decl("tcp_congestion_ops", `  ssthres: (ctx, sk) => 2,`))).toEqual([
      expect.stringMatching(
        /^TSB3102@3:3 struct tcp_congestion_ops has no member 'ssthres'; did you mean 'ssthresh'/,
      ),
    ]);
  });

  it("a function for a data member, or data for a function member, is TSB3103", () => {
    expect(diagnostics(decl("tcp_congestion_ops", `  name: (ctx) => 0,`))).toEqual([
      "TSB3103@3:9 member 'name' of struct tcp_congestion_ops is data (char[16]), so it takes a string or integer constant, not a function",
    ]);
    expect(diagnostics(decl("tcp_congestion_ops", `  ssthresh: 5,`))).toEqual([
      "TSB3103@3:13 member 'ssthresh' of struct tcp_congestion_ops is a function pointer (`u32 (*ssthresh)(struct sock *arg0)`), so it takes a program, an arrow function `(ctx, ...args) => ...`, not 5",
    ]);
  });

  it("more parameters than the member's prototype is TSB3104 at the first extra one", () => {
    expect(diagnostics(decl("tcp_congestion_ops", `  undo_cwnd: (ctx, sk, extra) => 0,`))).toEqual([
      "TSB3104@3:24 member 'undo_cwnd' of struct tcp_congestion_ops is `u32 (*undo_cwnd)(struct sock *arg0)`: its program takes ctx and at most 1 argument, not 2",
    ]);
  });

  it("data that does not fit its member is TSB3105", () => {
    expect(diagnostics(decl("tcp_congestion_ops", `  name: "a_name_of_16_chars",`))).toEqual([
      "TSB3105@3:9 member 'name' of struct tcp_congestion_ops (char[16]): \"a_name_of_16_chars\" is 18 bytes; it must fit in 16 with its NUL",
    ]);
    expect(diagnostics(decl("tcp_congestion_ops", `  flags: 1 << 40,`))).toEqual([
      "TSB3105@3:10 member 'flags' of struct tcp_congestion_ops (u32): 1099511627776 does not fit in 4 bytes",
    ]);
    expect(diagnostics(decl("tcp_congestion_ops", `  owner: 0,`))).toEqual([
      "TSB3105@3:10 member 'owner' of struct tcp_congestion_ops (a pointer): tsbpf fills only integer, enum and char-array members; leave it out (zero)",
    ]);
  });

  it("malformed arguments and options are TSB3100", () => {
    expect(diagnostics(decl("tcp_congestion_ops", `  name: "x",`, `, { link: 1 < 2 }`))).toEqual([
      "TSB3100@4:6 structOps: the options are `link` and `sleepable`, each `true` or `false`",
    ]);
  });

  it("tsbpf build prints the error with a code frame and exits 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-so-"));
    const file = join(dir, "bad.ts");
    writeFileSync(file, decl("tcp_congestion_ops", `  ssthresh: 5,`));
    const r = spawnSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), "build", file], {
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}:3:13: error TSB3103:`);
    expect(r.stderr).toContain("  3 |   ssthresh: 5,");
    expect(r.stderr).toMatch(/\|\s+\^/);
  });
});
