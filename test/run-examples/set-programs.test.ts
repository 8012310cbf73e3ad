/**
 * `--set` values that name programs of the object (runtime/user/map-assign.ts): a prog array slot
 * (`jumps:0=counted`) and a devmap entry's program (`tx:0=ifindex=1,prog=onTx`, or JSON with a
 * `prog` field), stored as the program's fd (in the VM: its id), over test/fixtures/set-programs.ts.
 * In the VM the tail call through the slot set on the command line reaches the program and the
 * redirect goes through the entry; on the live kernel (root) `tsbpf run` loads the named programs
 * without attaching them — the devmap program with expected_attach_type BPF_XDP_DEVMAP, which the
 * kernel checks when the entry is stored — and lo's frames reach `counted` through the slot.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { attachType } from "../../core/kernel/index.ts";
import { programInfo } from "../../runtime/loader/index.ts";
import { LiveSession, parseMapAssignment, VmSession } from "../../runtime/user/index.ts";
import {
  countLines,
  expectNothingLeft,
  expectRan,
  liveReady,
  ROOT,
  runExample,
  sendUdpOnLo,
} from "./support.ts";

const FIXTURE = "test/fixtures/set-programs.ts";
const PROGRAMS = "counted, entry, forward, onTx";
let bytes: Uint8Array;
beforeAll(async () => {
  const out = await compileSource(readFileSync(join(ROOT, FIXTURE), "utf8"), FIXTURE, {
    check: true,
  });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  bytes = out.object!;
});

const session = (programs: string[], ...set: string[]) =>
  VmSession.open(bytes, { programs, set: set.map(parseMapAssignment) });
const hits = (s: VmSession) =>
  [0, 1].map((k) =>
    s
      .typedMaps()
      .find((m) => m.name === "hits")!
      .get(k),
  );
const frame = new Uint8Array(64);

describe("--set programs by name, in the VM", () => {
  it("a tail call through the slot set on the command line reaches the named program", () => {
    const before = session(["entry"]);
    before.runAll({ packet: frame });
    expect(hits(before)).toEqual([1n, 0n]);
    before.close();
    const after = session(["entry"], "jumps:0=counted");
    after.runAll({ packet: frame });
    after.runAll({ packet: frame });
    expect(hits(after)).toEqual([0n, 2n]);
    // The slot reads back the program's VM id.
    const slot = after
      .typedMaps()
      .find((m) => m.name === "jumps")!
      .get(0);
    expect(slot).toBe(after.vm.programId("counted"));
    after.close();
  });

  it("a devmap entry takes an interface and a program, as field=value pairs or JSON", () => {
    for (const value of ["ifindex=1,prog=onTx", '{"ifindex": 1, "prog": "onTx"}']) {
      const s = session(["forward"], `tx:0=${value}`);
      const [run] = s.runAll({ packet: frame });
      expect(run!.retName).toBe("XDP_REDIRECT");
      expect(run!.result.redirect).toMatchObject({
        helper: "redirect_map",
        ifindex: 1,
        map: "tx",
        key: 0,
      });
      const id = s.vm.programId("onTx");
      expect(
        s
          .typedMaps()
          .find((m) => m.name === "tx")!
          .get(0),
      ).toEqual({
        ifindex: 1,
        fd: id,
        id,
      });
      s.close();
    }
  });

  it("a program a value names is loaded as a target, not run, unless chosen", () => {
    const s = VmSession.open(bytes, { set: [parseMapAssignment("jumps:0=counted")] });
    expect(s.programs).toEqual(["entry", "forward", "onTx"]);
    s.close();
  });

  it("refuses a name that is no program of the object, listing the programs", () => {
    expect(() => session(["entry"], "jumps:0=nosuch")).toThrow(
      `--set jumps: a prog array holds programs: the value must name one of the object's programs (${PROGRAMS}), not nosuch`,
    );
    expect(() => session(["forward"], "tx:0=ifindex=1,prog=nosuch")).toThrow(
      `--set tx value: field prog holds a program: the value must name one of the object's programs (${PROGRAMS}), not nosuch`,
    );
    expect(() => session(["forward"], "tx:0=ifindex=1,port=2")).toThrow(
      '--set tx value: expected field=value pairs separated by commas (fields of bpf_devmap_val: ifindex, fd, id, prog) or JSON, got "port=2"',
    );
    // The kernel's refusal (EINVAL), before anything is loaded: a devmap entry's program must be
    // loaded with BPF_XDP_DEVMAP.
    expect(() => session(["forward"], "tx:0=ifindex=1,prog=counted")).toThrow(
      `--set tx value: program counted (SEC("xdp")) cannot run on devmap entries: they take programs loaded with BPF_XDP_DEVMAP (SEC("xdp/devmap"))`,
    );
  });
});

describe("--set a cpumap entry's program, in the VM", () => {
  it("takes a queue size and an xdp/cpumap program; an xdp/devmap one is refused", async () => {
    const file = "test/kernel/kinds/devmap-values.ts";
    const out = await compileSource(readFileSync(join(ROOT, file), "utf8"), file, { check: true });
    const open = (set: string) =>
      VmSession.open(out.object!, { programs: ["toCpu"], set: [parseMapAssignment(set)] });
    const s = open("cpus:1=qsize=192,prog=onCpu");
    expect(s.runAll({ packet: frame })[0]!.retName).toBe("XDP_REDIRECT");
    const id = s.vm.programId("onCpu");
    const cpus = s.typedMaps().find((m) => m.name === "cpus")!;
    expect(cpus.get(1)).toEqual({ qsize: 192, fd: id, id });
    s.close();
    expect(() => open('cpus:1={"qsize": 192, "prog": "onEgress"}')).toThrow(
      `--set cpus value: program onEgress (SEC("xdp/devmap")) cannot run on cpumap entries: they take programs loaded with BPF_XDP_CPUMAP (SEC("xdp/cpumap"))`,
    );
  });
});

describe.runIf(liveReady("--set programs by name on the kernel"))(
  "--set programs by name, live",
  () => {
    it("stores the programs' fds: lo's frames reach `counted` through the slot", async () => {
      const out = await runExample(
        FIXTURE,
        [
          "--prog",
          "entry",
          "--iface",
          "lo",
          "--set",
          "jumps:0=counted",
          "--set",
          "tx:1=ifindex=1,prog=onTx",
          "--duration",
          "2",
        ],
        ["entry", "counted", "onTx"],
        () => sendUdpOnLo(5),
      );
      expectRan(out, ["entry"]);
      const counts = countLines(out.stdout, "hits");
      expect(counts.get("0")).toBeUndefined(); // zero: not printed
      expect(Number(counts.get("1"))).toBeGreaterThanOrEqual(5);
      expectNothingLeft(out);
    });

    it("the devmap entry holds the kernel's id of the program loaded for devmaps", async () => {
      const s = LiveSession.open(bytes, {
        programs: ["entry"],
        attach: { iface: "lo" },
        set: ["jumps:0=counted", "tx:1=ifindex=1,prog=onTx"].map(parseMapAssignment),
      });
      try {
        const prog = s.loaded.programs.get("onTx")!;
        expect(prog.section).toBe("xdp/devmap");
        expect(prog.program.expectedAttachType).toBe(attachType("XDP_DEVMAP")!.id);
        const id = programInfo(prog.program.fd).id;
        const tx = s.typedMaps().find((m) => m.name === "tx")!;
        expect(tx.get(1)).toEqual({ ifindex: 1, fd: id, id });
        // Loaded as targets, attached only when chosen.
        expect(s.links.map((l) => l.kind)).toEqual(["xdp"]);
        expect([...s.loaded.programs.keys()].sort()).toEqual(["counted", "entry", "onTx"]);
      } finally {
        await s.close();
      }
    });
  },
);
