/**
 * Asks the installed libbpf (libbpf.so.1, through koffi) how it names and resolves kinds: its names
 * of map, program and attach types (`libbpf_bpf_*_type_str`) and the program / expected attach type
 * a section name selects (`libbpf_prog_type_by_name`, which walks libbpf's own `section_defs`).
 *
 * Consumes numbers and section names; produces plain answers (null where libbpf does not know).
 * Used only by the generator, so the records say what libbpf says, never a guess.
 */
import koffi from "koffi";

/** The questions the generator asks libbpf. */
export interface LibbpfKinds {
  mapTypeName(id: number): string | null;
  progTypeName(id: number): string | null;
  attachTypeName(id: number): string | null;
  /** Program type and expected attach type for a section name, or null when no row matches. */
  section(name: string): { progType: number; attachType: number } | null;
}

/** Binds libbpf.so.1; throws a clear error when it is not installed. */
export function loadLibbpf(): LibbpfKinds {
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load("libbpf.so.1");
  } catch (e) {
    throw new Error(`gen-kernel-tables: libbpf.so.1 not found (install libbpf-dev): ${String(e)}`);
  }
  const str = (fn: string) => lib.func(`const char *${fn}(int t)`) as (t: number) => string | null;
  const byName = lib.func(
    "int libbpf_prog_type_by_name(const char *name, _Out_ int *prog_type, _Out_ int *attach)",
  ) as (name: string, p: number[], a: number[]) => number;
  return {
    mapTypeName: str("libbpf_bpf_map_type_str"),
    progTypeName: str("libbpf_bpf_prog_type_str"),
    attachTypeName: str("libbpf_bpf_attach_type_str"),
    section(name) {
      const p = [0];
      const a = [0];
      return byName(name, p, a) === 0 ? { progType: p[0]!, attachType: a[0]! } : null;
    },
  };
}
