/**
 * Coverage of a probe's TypeScript source by its tests in the VM: which lines ran, how often, and
 * which direction each branch took.
 *
 * How: with coverage on (`TSBPF_COVERAGE=1`, or `loadProbe(..., { coverage: true })`) every VM run
 * goes through the reference interpreter, which counts executed slots and taken conditional jumps
 * per program (runtime/vm `RunOptions.coverage`). The counters are kept per compiled object and
 * program in this process. A report maps each slot of the linked program (core/object
 * `linkProgram`, the same layout the VM loads) back to the function it came from and from there to
 * its `.BTF.ext` line_info record (the last record at or before the instruction), which names the
 * TS file and line. Every line with a record counts as instrumented, so programs a test never ran
 * show as uncovered.
 *
 * - a line's count is the largest count of its instructions in a program, summed over programs;
 * - each conditional jump is one branch block of its line with two branches: taken (0) and fall
 *   through (1);
 * - each function (program or subprogram) counts the times its first instruction ran.
 *
 * Consumes compiled probes and the VM's counters; produces a `CoverageReport` (plain data, merged
 * across test processes by coverage-lcov.ts, which writes lcov).
 */
import { slotOffsets } from "../core/isa/index.ts";
import { linkProgram, type BpfObject, type BpfProgram } from "../core/object/index.ts";
import type { BtfLineInfo } from "../core/btf/index.ts";
import type { CoverageCounters, EngineProgram } from "../runtime/vm/contract.ts";
import type { BuiltProbe } from "./probe-build.ts";

/** True when tests collect coverage (`TSBPF_COVERAGE=1`). */
export function coverageEnabled(): boolean {
  return process.env.TSBPF_COVERAGE === "1";
}

/** Coverage of one source file. */
export interface FileCoverage {
  /** Line → times it ran (0: instrumented, never ran). */
  readonly lines: Record<number, number>;
  /** Line → branch block key → [taken, fell through, times reached]. */
  readonly branches: Record<number, Record<string, [number, number, number]>>;
  /** Function name → its first line and the times it was entered. */
  readonly functions: Record<string, { line: number; hits: number }>;
}

/** Coverage by absolute file path. */
export type CoverageReport = Record<string, FileCoverage>;

/** Where one slot of a linked program came from. */
export interface SlotSource {
  readonly file: string;
  readonly line: number;
  /** The function holding it and the instruction's index in that function. */
  readonly fn: string;
  readonly index: number;
  /** True for conditional jumps. */
  readonly branch: boolean;
}

function linesOf(obj: BpfObject, fn: BpfProgram): BtfLineInfo[] {
  const all = obj.btfExt?.lineInfo.find((s) => s.section === fn.section)?.records ?? [];
  const slots = slotOffsets(fn.insns);
  const end = fn.sectionOffset + slots[fn.insns.length]! * 8;
  return all
    .filter((r) => r.insnOff >= fn.sectionOffset && r.insnOff < end)
    .sort((a, b) => a.insnOff - b.insnOff);
}

/** The source of every slot of `program` linked as the VM links it (undefined: no line info). */
export function slotSources(obj: BpfObject, program: BpfProgram): (SlotSource | undefined)[] {
  const linked = linkProgram(obj, program);
  const out: (SlotSource | undefined)[] = new Array(linked.slotOf[linked.insns.length]!);
  for (const piece of linked.pieces) {
    const fn = piece.fn;
    const records = linesOf(obj, fn);
    const slots = slotOffsets(fn.insns);
    let r = -1;
    fn.insns.forEach((insn, k) => {
      const off = fn.sectionOffset + slots[k]! * 8;
      while (r + 1 < records.length && records[r + 1]!.insnOff <= off) r++;
      const rec = records[r];
      if (!rec) return;
      out[piece.startSlot + slots[k]!] = {
        file: rec.fileName,
        line: rec.lineNum,
        fn: fn.name,
        index: k,
        branch: insn.spec.kind === "jcond",
      };
    });
  }
  return out;
}

interface ProgramCoverage {
  readonly counters: CoverageCounters;
  readonly sources: readonly (SlotSource | undefined)[];
  /** Slot where each function of the linked program starts. */
  readonly starts: ReadonlyMap<string, number>;
}

/** The counters of one compiled probe in this process. */
class ObjectCoverage {
  readonly programs = new Map<string, ProgramCoverage>();
  constructor(readonly object: BpfObject) {}

  countersFor(program: EngineProgram): CoverageCounters | undefined {
    let pc = this.programs.get(program.name);
    if (!pc) {
      const def = this.object.programs.find((p) => p.name === program.name);
      if (!def) return undefined;
      const sources = slotSources(this.object, def);
      const slots = slotOffsets(program.insns)[program.insns.length]!;
      if (slots !== sources.length)
        throw new Error(
          `internal: coverage of ${program.name}: the VM runs ${slots} slots, the linked object has ${sources.length}`,
        );
      const starts = new Map<string, number>();
      for (const p of linkProgram(this.object, def).pieces) starts.set(p.fn.name, p.startSlot);
      pc = {
        counters: { hits: new Uint32Array(slots), taken: new Uint32Array(slots) },
        sources,
        starts,
      };
      this.programs.set(program.name, pc);
    }
    return pc.counters;
  }
}

const objects = new Map<string, ObjectCoverage>();

/** The coverage lookup the VM calls per program run, for one compiled probe. */
export function coverageFor(
  built: BuiltProbe,
): (program: EngineProgram) => CoverageCounters | undefined {
  let oc = objects.get(built.hash);
  if (!oc) {
    oc = new ObjectCoverage(built.object);
    objects.set(built.hash, oc);
  }
  const o = oc;
  return (program) => o.countersFor(program);
}

function fileOf(report: Record<string, FileCoverage>, file: string): FileCoverage {
  return (report[file] ??= { lines: {}, branches: {}, functions: {} });
}

/** This process's coverage so far. */
export function collectCoverage(): CoverageReport {
  const report: CoverageReport = {};
  for (const oc of objects.values()) {
    const obj = oc.object;
    // Every line with a record is instrumented; each function's first record is its line.
    for (const fn of [...obj.programs, ...obj.subprograms]) {
      const recs = linesOf(obj, fn);
      for (const r of recs) {
        const f = fileOf(report, r.fileName);
        f.lines[r.lineNum] ??= 0;
      }
      if (recs[0]) {
        const f = fileOf(report, recs[0].fileName);
        f.functions[fn.name] ??= { line: recs[0].lineNum, hits: 0 };
      }
    }
    for (const pc of oc.programs.values()) {
      const { hits, taken } = pc.counters;
      const perLine = new Map<string, { file: string; line: number; count: number }>();
      pc.sources.forEach((src, slot) => {
        if (!src) return;
        const key = `${src.file}\0${src.line}`;
        const cur = perLine.get(key);
        if (!cur || hits[slot]! > cur.count)
          perLine.set(key, { file: src.file, line: src.line, count: hits[slot]! });
        if (src.branch) {
          const f = fileOf(report, src.file);
          const blocks = (f.branches[src.line] ??= {});
          const b = (blocks[`${src.fn}@${src.index}`] ??= [0, 0, 0]);
          b[0] += taken[slot]!;
          b[1] += hits[slot]! - taken[slot]!;
          b[2] += hits[slot]!;
        }
      });
      for (const { file, line, count } of perLine.values()) {
        const f = fileOf(report, file);
        f.lines[line] = (f.lines[line] ?? 0) + count;
      }
      for (const [fn, start] of pc.starts) {
        for (const [file, f] of Object.entries(report)) {
          const entry = f.functions[fn];
          if (entry && pc.sources[start]?.file === file) entry.hits += hits[start]!;
        }
      }
    }
  }
  return report;
}

/** Forgets the counters collected so far (after they were written). */
export function resetCoverage(): void {
  objects.clear();
}
