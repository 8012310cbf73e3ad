/**
 * libbpf's legacy and alias section names in a clang-compiled C object
 * (test/kernel/fixtures/section-aliases.bpf.c), as tools ported from C carry them: every program
 * loads with the program type libbpf gives its section (the kernel's own answer, bpf_prog_info), and
 * the attachable ones run: tp/ and raw_tp/ on an exec we cause, raw_tp.w/ on BPF_PROG_TEST_RUN's
 * writable tracepoint, classifier and tc/ingress through tcx links on lo.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { readBpfObject } from "../../core/object/index.ts";
import { resolveSection } from "../../core/kernel/index.ts";
import { loadObject, programInfo, type LoadedObject } from "../../runtime/loader/index.ts";
import { clangForFixtures, compileCObject, kernelReady } from "../support/kernel-setup.ts";
import { expectTracepointSpellingsRun, sendLoopbackDatagrams } from "../support/alias-runs.ts";

const run = kernelReady("legacy section names");
const clang = run ? clangForFixtures("legacy section names") : undefined;

describe.runIf(run && clang)("legacy and alias section names from a C object", () => {
  let obj: LoadedObject;
  let cleanup = () => {};

  beforeAll(() => {
    const src = readFileSync(
      join(import.meta.dirname, "fixtures", "section-aliases.bpf.c"),
      "utf8",
    );
    const c = compileCObject(clang!, "section-aliases", src);
    cleanup = c.cleanup;
    obj = loadObject(readBpfObject(c.bytes));
  });

  afterAll(() => {
    obj?.close();
    cleanup();
  });

  const hits = (i: number) => {
    const v = obj.map("hits").lookup(new Uint8Array(new Uint32Array([i]).buffer))!;
    return new DataView(v.buffer, v.byteOffset).getBigUint64(0, true);
  };

  it("every program loads with the program type its section selects", () => {
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
        "cgroup/skb",
        "cgroup/sock",
        "sk_skb",
      ].map((s) => [s, resolveSection(s)!.progTypeId]),
    );
  });

  it("tp/ and raw_tp/ run on an exec, raw_tp.w/ on a test run", () =>
    expectTracepointSpellingsRun(obj, ["tp_exec", "raw_exec", "raw_w_finish"], "cls", hits));

  it("classifier and tc/ingress attach to lo through tcx links and see our datagrams", async () => {
    const links = ["cls", "tc_in"].map((n) => obj.attach(n, { iface: "lo" }));
    try {
      const before = [hits(3), hits(4)];
      await sendLoopbackDatagrams(3);
      expect(links.map((l) => l.kind)).toEqual(["tcx_ingress", "tcx_ingress"]);
      expect(hits(3) - before[0]!).toBeGreaterThanOrEqual(3n);
      expect(hits(4) - before[1]!).toBeGreaterThanOrEqual(3n);
    } finally {
      for (const l of links) l.detach();
    }
  });
});
