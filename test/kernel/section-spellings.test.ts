/**
 * libbpf's second spellings of sections from TypeScript (the `section` option of a program
 * declaration; fixture test/kernel/kinds/section-spellings.ts, whose C twin
 * test/kernel/fixtures/section-aliases.bpf.c is section-aliases.test.ts's): each program loads with
 * the program type of its canonical kind (the kernel's answer, bpf_prog_info), and the attachable
 * ones run where the canonical kind runs: tp/ and raw_tp/ on an exec, raw_tp.w/ on a test run,
 * classifier and tc/ingress on lo through tcx links, tc/egress on lo's egress, cgroup/skb and
 * cgroup/sock for a process in a child cgroup; plain sk_skb (libbpf never attaches it) loads.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { resolveSection } from "../../core/kernel/index.ts";
import {
  defaultCgroup,
  loadObject,
  programInfo,
  testRun,
  type LoadedObject,
} from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { capability, hasCommand } from "../support/env.ts";
import { kernelReady } from "../support/kernel-setup.ts";
import { expectTracepointSpellingsRun, sendLoopbackDatagrams } from "../support/alias-runs.ts";

const FIXTURE = join(import.meta.dirname, "kinds", "section-spellings.ts");
const run = kernelReady("section spellings");
const python = run && capability("python3", hasCommand("python3"), "cgroup spelling tests");

describe.runIf(run)("section spellings of stdlib programs on the live kernel", () => {
  let obj: LoadedObject;
  let bytes: Uint8Array;
  let cgroup = "";

  beforeAll(async () => {
    const out = await compileSource(readFileSync(FIXTURE, "utf8"), "section-spellings.ts", {
      check: true,
    });
    expect(out.diagnostics).toEqual([]);
    bytes = out.object!;
    obj = loadObject(bytes);
    cgroup = join(defaultCgroup(), `tsbpf-spellings-${process.pid}`);
    mkdirSync(cgroup);
  });

  afterAll(() => {
    obj?.close();
    if (cgroup) rmdirSync(cgroup);
  });

  const hits = (i: number) => {
    const v = obj.map("calls").lookup(new Uint8Array(new Uint32Array([i]).buffer))!;
    return new DataView(v.buffer, v.byteOffset).getBigUint64(0, true);
  };

  it("each program is in its spelled section, loaded as its canonical kind's program type", () => {
    const canonical = [
      "tracepoint/sched/sched_process_exec",
      "raw_tracepoint/sched_process_exec",
      "raw_tracepoint.w/bpf_test_finish",
      "tc",
      "tcx/ingress",
      "tcx/egress",
      "cgroup_skb/ingress",
      "cgroup/sock_create",
      "sk_skb/verdict",
    ];
    const loaded = [...obj.programs.values()].map((p) => [
      p.section,
      programInfo(p.program.fd).type,
    ]);
    expect(loaded).toEqual(
      [
        "tp/sched/sched_process_exec",
        "raw_tp/sched_process_exec",
        "raw_tp.w/bpf_test_finish",
        "classifier",
        "tc/ingress",
        "tc/egress",
        "cgroup/skb",
        "cgroup/sock",
        "sk_skb",
      ].map((s, i) => [s, resolveSection(canonical[i]!)!.progTypeId]),
    );
  });

  it("the VM runs the spelled packet programs as the kernel's BPF_PROG_TEST_RUN does", () => {
    const vm = VmObject.load(bytes);
    try {
      for (const name of ["cls", "tcIn", "tcOut"]) {
        const k = testRun(obj.program(name), { data: new Uint8Array(64) });
        const r0 = vm.program(name).run({ packet: new Uint8Array(64) }).r0;
        expect(Number(BigInt.asIntN(32, BigInt(r0))), name).toBe(k.retval | 0);
      }
    } finally {
      vm.dispose();
    }
  });

  it("tp/ and raw_tp/ run on an exec, raw_tp.w/ on a test run", () =>
    expectTracepointSpellingsRun(obj, ["tpExec", "rawExec", "rawFinish"], "cls", hits));

  it("classifier, tc/ingress and tc/egress attach to lo through tcx links and see our datagrams", async () => {
    const links = ["cls", "tcIn", "tcOut"].map((n) => obj.attach(n, { iface: "lo" }));
    try {
      const before = [hits(3), hits(4), hits(5)];
      await sendLoopbackDatagrams(3);
      expect(links.map((l) => l.kind)).toEqual(["tcx_ingress", "tcx_ingress", "tcx_egress"]);
      for (const i of [3, 4, 5]) expect(hits(i) - before[i - 3]!).toBeGreaterThanOrEqual(3n);
    } finally {
      for (const l of links) l.detach();
    }
  });

  it.runIf(python)(
    "cgroup/skb (as ingress) and cgroup/sock (as sock_create) run for a process in the cgroup only",
    () => {
      const links = ["skbIn", "sockCreate"].map((n) => obj.attach(n, { cgroup }));
      const script =
        "import socket; r=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(('127.0.0.1', 0)); " +
        "s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'x', r.getsockname()); r.recv(8)";
      try {
        const before = [hits(6), hits(7)];
        const r = spawnSync(
          "sh",
          ["-c", `echo $$ > "${cgroup}/cgroup.procs" && exec python3 -c "${script}"`],
          { encoding: "utf8", timeout: 30_000 },
        );
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(links.map((l) => l.kind)).toEqual([
          "cgroup_cgroup_inet_ingress",
          "cgroup_cgroup_inet_sock_create",
        ]);
        expect(hits(6) - before[0]!).toBeGreaterThanOrEqual(1n);
        expect(hits(7) - before[1]!).toBe(2n);
        const outside = [hits(6), hits(7)];
        expect(spawnSync("python3", ["-c", script]).status).toBe(0);
        expect([hits(6), hits(7)]).toEqual(outside);
      } finally {
        for (const l of links) l.detach();
      }
    },
  );
});
