/**
 * The review listing of a compiled probe: the body of a bytecode golden file (golden.ts adds the
 * header). Made to be read in code review and diffed: per map its kind, sizes and BTF types; per
 * program its section, instruction count (8-byte slots, lddw = 2, like the kernel), stack size and,
 * when measured, the verifier's processed-instruction count; then its instructions in llvm-objdump
 * syntax (core/object `programRows`, the same rows `tsbpf objdump` prints) interleaved with the
 * TypeScript lines they came from (.BTF.ext line info), helper calls and relocations named.
 *
 * Stable by construction: no section offsets, addresses, paths or times; slot numbers are per
 * function, so an edit shifts only the function it is in. Output depends only on the object bytes
 * and the given numbers.
 */
import { formatBtfType, typeToC, type Btf } from "../core/btf/index.ts";
import { helperRecordById, mapKindById } from "../core/kernel/index.ts";
import { slotOffsets, slotTotal } from "../core/isa/index.ts";
import {
  programRows,
  type BpfMapDef,
  type BpfObject,
  type BpfProgram,
} from "../core/object/index.ts";

/** Per-function numbers the object does not carry. */
export interface FunctionFacts {
  /** Stack frame in bytes (the compiler's `FunctionStats.frameSize`). */
  readonly stack?: number;
  /** Instructions the kernel verifier processed, when measured. */
  readonly verified?: number;
}

/** The prefix of an instruction line: the slot, right-aligned, then `: `. */
export const INSN_LINE = /^\s*(\d+): /;

function btfType(btf: Btf | undefined, id: number): string {
  if (!btf || id === 0) return "";
  const t = btf.types[id];
  if (t?.kind === "datasec")
    return `{ ${t.vars.map((v) => `${typeToC(btf, v.type)};`).join(" ")} }`;
  return typeToC(btf, id);
}

/** The struct and union definitions map keys and values use, each once, in map order. */
function recordTypes(obj: BpfObject): string[] {
  const btf = obj.btf;
  if (!btf) return [];
  const seen = new Set<number>();
  const out: string[] = [];
  const visit = (id: number, depth: number): void => {
    const t = btf.types[id];
    if (!t || seen.has(id) || depth > 8) return;
    if (t.kind === "typedef" || t.kind === "const" || t.kind === "volatile" || t.kind === "array")
      return visit(t.type, depth + 1);
    if (t.kind !== "struct" && t.kind !== "union") return;
    seen.add(id);
    for (const m of t.members) visit(m.type, depth + 1);
    out.push(formatBtfType(btf, id).replaceAll("\t", "  "));
  };
  for (const m of obj.maps) {
    if (m.globalSection) continue;
    visit(m.keyTypeId, 0);
    visit(m.valueTypeId, 0);
  }
  return out;
}

function mapLine(obj: BpfObject, m: BpfMapDef): string {
  const kind = mapKindById(m.type)?.kind ?? `type ${m.type}`;
  const key = btfType(obj.btf, m.keyTypeId);
  const value = btfType(obj.btf, m.valueTypeId);
  const parts = [
    `${m.name}: ${kind}`,
    `key ${key ? `${key} ` : ""}(${m.keySize} bytes)`,
    `value ${value ? `${value} ` : ""}(${m.valueSize} bytes)`,
    `max_entries ${m.maxEntries}`,
  ];
  if (m.flags) parts.push(`flags ${m.flags}`);
  return `  ${parts.join(", ")}`;
}

/** The name of the function a BPF-to-BPF call at `slot` of `p` goes to, if relocated. */
function callTarget(obj: BpfObject, p: BpfProgram, slot: number): string | undefined {
  const slots = slotOffsets(p.insns);
  const r = p.relocs.find((x) => slots[x.insnIndex] === slot);
  if (r?.kind !== "call") return undefined;
  const all = [...obj.programs, ...obj.subprograms];
  return all.find((f) => f.section === r.targetSection && f.sectionOffset === r.targetOffset)?.name;
}

function functionBlock(
  obj: BpfObject,
  p: BpfProgram,
  what: "program" | "subprogram",
  facts: FunctionFacts | undefined,
): string[] {
  const head = [`section ${p.section}`, `${slotTotal(p.insns)} insns`];
  if (facts?.stack !== undefined) head.push(`stack ${facts.stack} bytes`);
  if (facts?.verified !== undefined) head.push(`verifier processed ${facts.verified}`);
  const out = [`${what} ${p.name}: ${head.join(", ")}`];
  const rows = programRows(obj, p);
  const width = String(Math.max(0, ...rows.map((r) => (r.kind === "insn" ? r.slot : 0)))).length;
  for (const row of rows) {
    if (row.kind === "source") {
      out.push(`; ${row.text.trim()}`);
      continue;
    }
    const notes: string[] = [];
    const target = callTarget(obj, p, row.slot);
    if (target) notes.push(`call ${target}`);
    else if (row.reloc) notes.push(row.reloc);
    if (row.insn.spec.op === "call_helper") {
      const helper = helperRecordById(row.insn.imm);
      if (helper) notes.push(helper.name);
    }
    out.push(
      `  ${String(row.slot).padStart(width)}: ${row.text}${notes.length ? `  ; ${notes.join(", ")}` : ""}`,
    );
  }
  return out;
}

/**
 * The listing of an object. `facts` gives stack sizes and verifier counts by function name; every
 * program and subprogram follows the maps, in the object's order.
 */
export function formatListing(
  obj: BpfObject,
  facts: ReadonlyMap<string, FunctionFacts> = new Map(),
): string {
  const out: string[] = [];
  out.push(obj.maps.length ? "maps:" : "maps: none");
  for (const m of obj.maps) out.push(mapLine(obj, m));
  const records = recordTypes(obj);
  if (records.length)
    out.push("types:", ...records.flatMap((t) => t.split("\n").map((l) => `  ${l}`)));
  if (obj.license) out.push(`license: ${obj.license}`);
  for (const p of obj.programs)
    out.push("", ...functionBlock(obj, p, "program", facts.get(p.name)));
  for (const p of obj.subprograms)
    out.push("", ...functionBlock(obj, p, "subprogram", facts.get(p.name)));
  return out.join("\n") + "\n";
}
