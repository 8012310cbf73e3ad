/**
 * What `tsbpf run` does with struct_ops programs (runtime/user/struct-ops-run.ts): they are loaded
 * with their map and the map is registered, never attached; `--prog` naming one of them selects
 * its map (with every program of it), `--prog` naming only other programs registers no map.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { readBpfObject, type BpfObject } from "../../core/object/index.ts";
import { LoaderError } from "../../runtime/loader/index.ts";
import { registeredLine, selectRun } from "../../runtime/user/struct-ops-run.ts";
import { hasVmlinuxBtf } from "../support/env.ts";

const hasBtf = hasVmlinuxBtf("struct_ops members are typed from /sys/kernel/btf/vmlinux");
const SOURCE = readFileSync(join(import.meta.dirname, "../../examples/tcp-reno.ts"), "utf8");
/** tcp-reno plus a tracepoint program of its own. */
const WITH_TRACEPOINT = SOURCE.replace(
  "export const license",
  `export const seen = new ArrayMap<u64>({ maxEntries: 1 });
export const onGetppid = tracepoint("syscalls/sys_enter_getppid", () => {
  const c = seen.lookup(0);
  if (c !== null) atomicAdd(c.value, 1);
  return 0;
});
export const license`,
).replace("import { ArrayMap,", "import { tracepoint, ArrayMap,");
const OPS = ["reno_ssthresh", "reno_cong_avoid", "reno_set_state", "reno_undo_cwnd", "reno_init"];

describe.skipIf(!hasBtf)("tsbpf run's selection of struct_ops programs", () => {
  let obj: BpfObject;
  beforeAll(async () => {
    const out = await compileSource(WITH_TRACEPOINT, "examples/tcp-reno.ts", { check: true });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    obj = readBpfObject(out.object!);
  });

  it("by default attaches the other programs and registers every struct_ops map", () => {
    const s = selectRun(obj);
    expect(s.attach).toEqual(["onGetppid"]);
    expect(s.structOps).toEqual(["reno"]);
    expect([...s.load].sort()).toEqual(["onGetppid", ...OPS].sort());
  });

  it("--prog naming a member program selects its map and loads all of the map's programs", () => {
    const s = selectRun(obj, ["reno_init"]);
    expect(s).toEqual({ attach: [], load: expect.any(Array), structOps: ["reno"] });
    expect([...s.load].sort()).toEqual([...OPS].sort());
  });

  it("--prog naming only other programs registers no map", () => {
    expect(selectRun(obj, ["onGetppid"])).toEqual({
      attach: ["onGetppid"],
      load: ["onGetppid"],
      structOps: [],
    });
  });

  it("an unknown --prog name is a LoaderError listing the programs", () => {
    expect(() => selectRun(obj, ["nope"])).toThrow(LoaderError);
    expect(() => selectRun(obj, ["nope"])).toThrow(
      /object has no program named "nope" \(programs: /,
    );
  });

  it("the status line names the map, the ops struct, the mechanism and the programs", () => {
    expect(registeredLine(obj, "reno")).toBe(
      `registered reno (struct_ops tcp_congestion_ops: ${OPS.join(", ")})`,
    );
    expect(registeredLine(obj, "reno", "tsbpf_reno")).toBe(
      `registered reno (struct_ops tcp_congestion_ops "tsbpf_reno": ${OPS.join(", ")})`,
    );
    const link = {
      ...obj,
      maps: obj.maps.map((m) =>
        m.structOps ? { ...m, structOps: { ...m.structOps, link: true } } : m,
      ),
    };
    expect(registeredLine(link, "reno")).toBe(
      `registered reno (struct_ops tcp_congestion_ops through a BPF link: ${OPS.join(", ")})`,
    );
  });
});
