/**
 * CO-RE relocation records of an encoded function: every instruction the back end tagged with a
 * `core` relocation (an IR `coreconst`) becomes a `BpfCoreReloSpec` (the object writer places it in
 * `.BTF.ext` core_relo). The type ids are already object BTF ids: the module's BTF starts from
 * `Module.kernelTypes` (compiler/emit/btf.ts), so a local-table id is the BTF id.
 */
import type { BpfCoreReloSpec } from "../../core/object/spec.ts";
import type { Module } from "../ir/types.ts";
import type { EncodedFunc } from "../target/bpf/index.ts";

/**
 * The core_relo records of `f`, in instruction order. Throws when the module has none of the kernel
 * types they refer to (IR text: its `coreconst`s name types only the TypeScript front end copies).
 */
export function coreRelosOf(f: EncodedFunc, m: Module): BpfCoreReloSpec[] {
  const out: BpfCoreReloSpec[] = [];
  for (const { insnIndex, reloc } of f.relocs) {
    if (reloc.kind !== "core") continue;
    if (!m.kernelTypes || reloc.relo.typeId >= m.kernelTypes.length)
      throw new Error(
        `${f.name}: a CO-RE relocation names kernel type k${reloc.relo.typeId}, which this module does not carry (IR text has no kernel types; compile the TypeScript source)`,
      );
    out.push({
      insnIndex,
      typeId: reloc.relo.typeId,
      accessStr: reloc.relo.access,
      kind: reloc.relo.kind,
    });
  }
  return out;
}
