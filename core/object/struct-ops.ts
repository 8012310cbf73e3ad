/**
 * struct_ops maps of a BPF object, the way libbpf finds them (bpf_object__init_struct_ops and
 * bpf_object__collect_st_ops_relos): every VAR of the `.struct_ops` / `.struct_ops.link` DATASEC is
 * one BPF_MAP_TYPE_STRUCT_OPS map named after the variable, whose value type is the variable's
 * struct (a kernel ops struct such as `tcp_congestion_ops`, found by name in kernel BTF at load
 * time); its bytes are the initial data, and each R_BPF_64_ABS64 relocation in the section names
 * the program a function-pointer member holds.
 *
 * Consumes `ElfFile` and the decoded `Btf`; produces `LocatedMap`s after the global data maps, so
 * the map indices instructions refer to are unchanged.
 */
import { btfType, resolveType, type Btf } from "../btf/index.ts";
import { STT, type ElfFile } from "../elf/index.ts";
import { BPF_MAP_TYPE } from "../kernel/index.ts";
import { ObjectError } from "./errors.ts";
import type { LocatedMap } from "./maps.ts";

/** libbpf's struct_ops sections: registered by map update, and through a BPF link. */
export const STRUCT_OPS_SECTIONS = [".struct_ops", ".struct_ops.link"] as const;

/** The struct_ops maps of `elf`, indexed from `firstIndex`. */
export function structOpsMaps(
  elf: ElfFile,
  btf: Btf | undefined,
  firstIndex: number,
): LocatedMap[] {
  const out: LocatedMap[] = [];
  for (const section of STRUCT_OPS_SECTIONS) {
    const sec = elf.sections.find((s) => s.name === section);
    if (!sec) continue;
    const ds = btf?.types.find((t) => t.kind === "datasec" && t.name === section);
    if (!btf || ds?.kind !== "datasec")
      throw new ObjectError(`${section}: no DATASEC in the object's BTF (libbpf needs it)`);
    const relocs = elf.relocations.find((r) => r.target === sec.index)?.entries ?? [];
    for (const vi of ds.vars) {
      const v = btfType(btf, vi.type);
      if (v.kind !== "var")
        throw new ObjectError(`${section}: DATASEC entry is ${v.kind}, not a VAR`);
      const st = btfType(btf, resolveType(btf, v.type));
      if (st.kind !== "struct")
        throw new ObjectError(`${section}: variable ${v.name} is not a struct (${st.kind})`);
      const sym = elf.symbols.find((s) => s.shndx === sec.index && s.name === v.name);
      const offset = sym ? sym.value : vi.offset;
      if (offset + st.size > sec.size)
        throw new ObjectError(`${section}: variable ${v.name} lies outside the section`);
      const funcs = relocs
        .filter((e) => e.offset >= offset && e.offset < offset + st.size)
        .map((e) => {
          const target = elf.symbols[e.symbol];
          if (!target || target.type !== STT.FUNC)
            throw new ObjectError(
              `${section}+${e.offset}: relocation against ${target?.name ?? e.symbol}, which is not a program`,
            );
          return { offset: e.offset - offset, program: target.name };
        })
        .sort((a, b) => a.offset - b.offset);
      out.push({
        def: {
          index: firstIndex + out.length,
          name: v.name,
          type: BPF_MAP_TYPE.BPF_MAP_TYPE_STRUCT_OPS,
          keySize: 4,
          valueSize: st.size,
          maxEntries: 1,
          flags: 0,
          keyTypeId: 0,
          valueTypeId: v.type,
          initialValue: sec.data.slice(offset, offset + st.size),
          structOps: { struct: st.name, link: section === ".struct_ops.link", funcs },
        },
        sectionIndex: sec.index,
        offset,
      });
    }
  }
  return out;
}
