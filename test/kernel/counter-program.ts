/**
 * A hand-assembled program shared by the kernel tests: increments the u64 at key 0 of an array map
 * and returns `ret`. Built with core/isa so it exercises the same instruction model as the compiler.
 */
import { insnSpec, makeInsn, PseudoSrc, splitImm64, type Insn } from "../../core/isa/index.ts";
import { createMap, MapType, type KernelMap } from "../../runtime/loader/index.ts";

const I = (name: string, f: Parameters<typeof makeInsn>[1] = {}): Insn =>
  makeInsn(insnSpec(name), f);

/** Instructions of `counts[0]++; return ret;` against map fd `mapFd`. */
export function counterInsns(mapFd: number, ret = 0): Insn[] {
  return [
    I("stw", { dst: 10, off: -4, imm: 0 }),
    I("mov64_reg", { dst: 2, src: 10 }),
    I("add64_imm", { dst: 2, imm: -4 }),
    I("lddw", { dst: 1, src: PseudoSrc.MAP_FD, ...splitImm64(BigInt(mapFd)) }),
    I("call_helper", { imm: 1 }), // bpf_map_lookup_elem
    I("jeq64_imm", { dst: 0, imm: 0, off: 2 }),
    I("mov64_imm", { dst: 1, imm: 1 }),
    I("atomic_add64", { dst: 0, src: 1, off: 0 }),
    I("mov64_imm", { dst: 0, imm: ret }),
    I("exit"),
  ];
}

/** A one-slot u64 array map for the counter. */
export function counterMap(name = "counter"): KernelMap {
  return createMap({ name, type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
}

/** The counter's current value. */
export function readCounter(map: KernelMap): bigint {
  const v = map.lookup(new Uint8Array(4))!;
  return new DataView(v.buffer).getBigUint64(0, true);
}
