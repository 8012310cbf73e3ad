/**
 * Runs a generated program in the bundled VM, through the same path user code takes: a `BpfObject`
 * (one XDP program, one array map, a map relocation on the lddw) loaded with `VmObject.fromObject`.
 *
 * Consumes a `GeneratedProgram` and an engine kind; produces an `Outcome` (r0 with all 64 bits, the
 * packet and the map value after the run). Each run gets a fresh object, so map state never leaks
 * from one run into the next.
 */
import type { BpfObject } from "../../core/object/model.ts";
import { BPF_MAP_TYPE } from "../../core/kernel/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import type { Engine } from "../../runtime/vm/index.ts";
import { DIFF_LAYOUT, type GeneratedProgram } from "../support/gen/program-gen.ts";
import type { Outcome } from "./outcome.ts";

/** The generated program as an object file's plain data (section `xdp`, map `diff` at index 0). */
export function toBpfObject(program: GeneratedProgram): BpfObject {
  return {
    programs: [
      {
        name: "diff",
        section: "xdp",
        sectionOffset: 0,
        insns: program.insns,
        relocs: [{ kind: "map", insnIndex: program.mapLoadIndex, mapIndex: 0 }],
      },
    ],
    subprograms: [],
    maps: [
      {
        index: 0,
        name: "diff",
        type: BPF_MAP_TYPE.BPF_MAP_TYPE_ARRAY,
        keySize: 4,
        valueSize: DIFF_LAYOUT.valueSize,
        maxEntries: 1,
        flags: 0,
        keyTypeId: 0,
        valueTypeId: 0,
      },
    ],
    license: "GPL",
    kernelVersion: 0,
  };
}

/** Runs `program` on its inputs with the given VM engine. */
export function runOnVm(program: GeneratedProgram, engine: Engine["kind"]): Outcome {
  const obj = VmObject.fromObject(toBpfObject(program), { engine });
  try {
    obj.map("diff").set(0, program.mapValue.slice());
    const res = obj.program("diff").run({ packet: program.packet.slice() });
    return {
      side: engine,
      r0: res.r0,
      r0Bits: 64,
      packet: res.packet ?? new Uint8Array(0),
      mapValue: obj.map("diff").get(0) ?? new Uint8Array(0),
      executed: res.executed,
    };
  } catch (e) {
    const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return {
      side: engine,
      r0: 0n,
      r0Bits: 64,
      packet: new Uint8Array(0),
      mapValue: new Uint8Array(0),
      error,
    };
  } finally {
    obj.dispose();
  }
}
