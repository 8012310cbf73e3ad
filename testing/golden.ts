/**
 * Bytecode golden files: a header recording how the listing was made, then the listing
 * (listing.ts). The header holds the inputs that decide the bytes besides the source itself: the
 * probe's project-relative name, the compiler version and -mcpu, the kernel BTF it read (sha256, and
 * whether tsbpf.json pins it) and whether verifier counts were measured.
 *
 *   # tsbpf bytecode golden 1
 *   # source: probes/opens.ts
 *   # compiler: tsbpf 0.1.0, mcpu v3
 *   # btf: none
 *   # verifier: not measured
 *
 * Comparing (`compareGolden`) gives pass/fail and a message made for a failing test or CI log: what
 * differs in the header (another compiler or BTF, said as such), the per-function count deltas, and
 * an instruction-level diff (slot numbers ignored when matching lines, so an inserted instruction
 * shows as one line) with the function and source line around each change; then the command that
 * updates the file. A file that is not a golden is a `GoldenFormatError`.
 */
import { diffArrays } from "diff";
import { INSN_LINE } from "./listing.ts";

/** The format number in the first line; bump when the layout changes. */
export const GOLDEN_FORMAT = 1;
const MAGIC = `# tsbpf bytecode golden ${GOLDEN_FORMAT}`;

/** How a golden was made. */
export interface GoldenMeta {
  /** The probe's name relative to its project root (`probes/opens.ts`). */
  readonly source: string;
  readonly compiler: string;
  readonly mcpu: number;
  /** The kernel BTF read for typed arguments, or null when no program needed one. */
  readonly btf: { readonly sha256: string; readonly pinned: boolean } | null;
  /** The kernel the verifier counts were measured on (`Linux 6.18.0`), or null. */
  readonly verifier: string | null;
}

/** A file that is not a (readable) bytecode golden. */
export class GoldenFormatError extends Error {
  override name = "GoldenFormatError";
}

function btfText(btf: GoldenMeta["btf"]): string {
  if (!btf) return "none";
  return `sha256 ${btf.sha256} (${btf.pinned ? "pinned by tsbpf.json" : "the build host's, not pinned by tsbpf.json"})`;
}

/** The whole golden text: header, blank line, listing. */
export function formatGolden(meta: GoldenMeta, listing: string): string {
  return [
    MAGIC,
    `# source: ${meta.source}`,
    `# compiler: tsbpf ${meta.compiler}, mcpu v${meta.mcpu}`,
    `# btf: ${btfText(meta.btf)}`,
    `# verifier: ${meta.verifier ? `measured on ${meta.verifier}` : "not measured"}`,
    "",
    listing,
  ].join("\n");
}

/** A parsed golden file. */
export interface Golden {
  readonly meta: GoldenMeta;
  readonly listing: string;
}

/** Parses golden text; `name` is the file, for messages. Throws `GoldenFormatError`. */
export function parseGolden(text: string, name: string): Golden {
  const lines = text.split("\n");
  const bad = (line: number, what: string): never => {
    throw new GoldenFormatError(`${name}:${line}: ${what}`);
  };
  const first = lines[0] ?? "";
  if (!first.startsWith("# tsbpf bytecode golden"))
    bad(1, `not a tsbpf bytecode golden (the first line must be "${MAGIC}")`);
  if (first !== MAGIC)
    bad(1, `golden format "${first.slice(2)}" is not this tsbpf's (${MAGIC.slice(2)})`);
  const field = (i: number, key: string, re: RegExp): RegExpExecArray => {
    const line = lines[i] ?? "";
    if (!line.startsWith(`# ${key}: `)) bad(i + 1, `expected the header line "# ${key}: ..."`);
    const m = re.exec(line.slice(key.length + 4));
    if (!m) bad(i + 1, `malformed "${key}" header: ${line}`);
    return m!;
  };
  const source = field(1, "source", /^(\S.*)$/)[1]!;
  const compiler = field(2, "compiler", /^tsbpf (\S+), mcpu v([1-4])$/);
  const btf = field(3, "btf", /^(?:none|sha256 ([0-9a-f]{64}) \((pinned|the build host's))/);
  const verifier = field(4, "verifier", /^(?:not measured|measured on (.+))$/);
  if (lines[5] !== "") bad(6, "expected an empty line after the header");
  const listing = lines.slice(6).join("\n");
  if (!listing.startsWith("maps:")) bad(7, `expected the listing to start with "maps:"`);
  return {
    meta: {
      source,
      compiler: compiler[1]!,
      mcpu: Number(compiler[2]),
      btf: btf[1] ? { sha256: btf[1], pinned: btf[2] === "pinned" } : null,
      verifier: verifier[1] ?? null,
    },
    listing,
  };
}

/** The numbers in a function's header line. */
interface FunctionCounts {
  readonly insns: number;
  readonly stack?: number;
  readonly verified?: number;
}

const FUNCTION_LINE = /^(program|subprogram) (\S+): section (\S+), (\d+) insns(.*)$/;

function counts(listing: string): Map<string, FunctionCounts> {
  const out = new Map<string, FunctionCounts>();
  for (const line of listing.split("\n")) {
    const m = FUNCTION_LINE.exec(line);
    if (!m) continue;
    const stack = /stack (\d+) bytes/.exec(m[5]!);
    const verified = /verifier processed (\d+)/.exec(m[5]!);
    out.set(`${m[1]} ${m[2]}`, {
      insns: Number(m[4]),
      ...(stack ? { stack: Number(stack[1]) } : {}),
      ...(verified ? { verified: Number(verified[1]) } : {}),
    });
  }
  return out;
}

function delta(before: number | undefined, after: number | undefined, unit: string): string {
  if (before === after) return "";
  if (before === undefined || after === undefined)
    return `${unit} ${before ?? "-"} → ${after ?? "-"}`;
  const d = after - before;
  return `${unit} ${before} → ${after} (${d > 0 ? "+" : ""}${d})`;
}

/** One line per function whose counts changed, and a total. */
export function countDeltas(expected: string, actual: string): string[] {
  const a = counts(expected);
  const b = counts(actual);
  const out: string[] = [];
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(name);
    const y = b.get(name);
    if (!x) {
      out.push(`${name}: new, ${y!.insns} insns`);
      continue;
    }
    if (!y) {
      out.push(`${name}: removed (was ${x.insns} insns)`);
      continue;
    }
    const parts = [
      delta(x.insns, y.insns, "insns"),
      delta(x.stack, y.stack, "stack"),
      delta(x.verified, y.verified, "verifier processed"),
    ].filter(Boolean);
    if (parts.length) out.push(`${name}: ${parts.join(", ")}`);
  }
  const total = (m: Map<string, FunctionCounts>) =>
    [...m.values()].reduce((n, c) => n + c.insns, 0);
  if (out.length) out.push(`total: ${delta(total(a), total(b), "insns") || `insns ${total(b)}`}`);
  return out;
}

const stripSlot = (line: string): string => line.replace(INSN_LINE, "  ");
const CONTEXT = 2;
/** A diff longer than this is cut: a failure message is for reading, the file's git diff for all. */
export const MAX_DIFF_LINES = 400;

/**
 * An instruction-level diff of two listings: changed lines with `-`/`+`, two lines of context, and
 * before each hunk the function and the source line it is in (when not already shown).
 */
export function listingDiff(expected: string, actual: string): string {
  const changes = diffArrays(expected.split("\n"), actual.split("\n"), {
    comparator: (l, r) => stripSlot(l) === stripSlot(r),
  });
  type Row = { readonly mark: " " | "-" | "+"; readonly text: string; readonly context: string[] };
  const rows: Row[] = [];
  let fn = "";
  let src = "";
  for (const c of changes) {
    const mark = c.added ? "+" : c.removed ? "-" : " ";
    for (const text of c.value) {
      rows.push({ mark, text, context: [fn, src] });
      if (mark === "-") continue; // context follows the new listing
      if (FUNCTION_LINE.test(text)) [fn, src] = [text, ""];
      else if (text.startsWith("; ")) src = text;
    }
  }
  const show = new Set<number>();
  rows.forEach((r, i) => {
    if (r.mark === " ") return;
    for (let k = Math.max(0, i - CONTEXT); k <= Math.min(rows.length - 1, i + CONTEXT); k++)
      show.add(k);
  });
  const out: string[] = [];
  let prev = -2;
  for (const i of [...show].sort((x, y) => x - y)) {
    const r = rows[i]!;
    if (i !== prev + 1) {
      out.push("@@");
      const [fnLine, srcLine] = r.context;
      if (fnLine && fnLine !== r.text) out.push(`  ${fnLine}`);
      if (srcLine && !r.text.startsWith("; ") && !FUNCTION_LINE.test(r.text))
        out.push(`  ${srcLine}`);
    }
    out.push(`${r.mark} ${r.text}`);
    prev = i;
  }
  if (out.length <= MAX_DIFF_LINES) return out.join("\n");
  const rest = out.slice(MAX_DIFF_LINES).filter((l) => l.startsWith("-") || l.startsWith("+"));
  return [
    ...out.slice(0, MAX_DIFF_LINES),
    `... and ${rest.length} more changed lines (update the golden and read the whole change with git diff)`,
  ].join("\n");
}

/** What a comparison found. */
export interface GoldenComparison {
  readonly pass: boolean;
  readonly message: string;
}

function metaDifferences(a: GoldenMeta, b: GoldenMeta): string[] {
  const out: string[] = [];
  if (a.source !== b.source) out.push(`made from ${a.source}; this is ${b.source}`);
  if (a.compiler !== b.compiler || a.mcpu !== b.mcpu)
    out.push(
      `made with tsbpf ${a.compiler}, mcpu v${a.mcpu}; this is tsbpf ${b.compiler}, mcpu v${b.mcpu}`,
    );
  if (a.btf?.sha256 !== b.btf?.sha256 || a.btf?.pinned !== b.btf?.pinned) {
    out.push(`made with kernel BTF ${btfText(a.btf)}; this build read ${btfText(b.btf)}`);
    if (b.btf && !b.btf.pinned)
      out.push(
        `pin the BTF in tsbpf.json ({ "btf": { "file": "<committed copy>", "sha256": "${b.btf.sha256}" } }) so every machine builds with the same one`,
      );
  }
  if (a.verifier !== b.verifier)
    out.push(
      `verifier counts ${a.verifier ? `measured on ${a.verifier}` : "not measured"}; now ${b.verifier ? `measured on ${b.verifier}` : "not measured"}`,
    );
  return out;
}

/**
 * Compares golden text (`expected`, from `file`) with a fresh build's meta and listing. `update` is
 * the command that rewrites the file, for the message.
 */
export function compareGolden(
  expected: string,
  file: string,
  actual: Golden,
  update: string,
): GoldenComparison {
  let golden: Golden;
  try {
    golden = parseGolden(expected, file);
  } catch (e) {
    if (!(e instanceof GoldenFormatError)) throw e;
    return {
      pass: false,
      message: `${e.message}\nIf the file is damaged, regenerate it (then review the diff): ${update}`,
    };
  }
  const meta = metaDifferences(golden.meta, actual.meta);
  if (meta.length === 0 && golden.listing === actual.listing) return { pass: true, message: "" };
  const out = [`bytecode golden ${file} does not match ${actual.meta.source}`];
  for (const m of meta) out.push(`  ${m}`);
  if (golden.listing === actual.listing) {
    out.push("  the instructions are the same; only how the golden was made differs");
  } else {
    const deltas = countDeltas(golden.listing, actual.listing);
    if (deltas.length) out.push("counts:", ...deltas.map((d) => `  ${d}`));
    out.push("diff (- golden, + now):", listingDiff(golden.listing, actual.listing));
  }
  out.push(`If the change is intended, update the golden and review it: ${update}`);
  return { pass: false, message: out.join("\n") };
}
