/**
 * Generates `core/kernel/generated.ts` from the kernel uapi header `linux/bpf.h`.
 *
 * Consumes the header text (and the header package's version, for the banner); produces one
 * TypeScript module holding: the enums `bpf_cmd`, `bpf_link_type`, `xdp_action`, `sk_action`, `bpf_ret_code`, and every constant of the header's anonymous enums and simple `#define BPF_*` flags
 * (`BPF_ANY`, `BPF_F_NO_PREALLOC`, `BPF_RB_NO_WAKEUP`, `BPF_F_CURRENT_CPU`, ...).
 *
 * Invariants: the output is a pure function of (header text, version label) and is run through the
 * repo's prettier, so `npm run gen:kernel-tables` on the same header reproduces the committed file byte
 * for byte (test/vm-system/kernel-tables.test.ts checks this). Helper ids follow the header: explicit
 * ids in the `___BPF_FUNC_MAPPER(FN, ctx)` form (Linux ≥ 6.2), positions in the older
 * `__BPF_FUNC_MAPPER(FN)` form.
 *
 * It also writes the kernel records every stage reads (scripts/kernel-gen/): core/kernel/helper-records.ts
 * (all helpers of libbpf's `bpf/bpf_helper_defs.h`, with argument kinds and summaries),
 * core/kernel/context-layouts.ts (uapi context structs as clang lays them out for the BPF target),
 * core/kernel/map-kinds.ts and program-kinds.ts (enum bpf_map_type / bpf_prog_type / bpf_attach_type
 * with the facts of scripts/kernel-gen/kind-sources.ts and the installed libbpf's names and section
 * resolution) and stdlib/helpers.d.ts (the stdlib declaration of every helper). test/vm-system/kernel-records.test.ts
 * reproduces them byte for byte.
 *
 * Usage: `npm run gen:kernel-tables [-- --header path --out path]`.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import { HELPER_OVERRIDES } from "../core/kernel/helper-overrides.ts";
import { dumpLayouts, parseLayoutDump } from "./kernel-gen/context-layouts.ts";
import { parseHelperDefs } from "./kernel-gen/helper-defs.ts";
import {
  renderContextLayouts,
  renderHelperRecords,
  toRecords,
} from "./kernel-gen/render-records.ts";
import { renderStdlibHelpers } from "./kernel-gen/render-stdlib.ts";
import { buildKindRecords, renderMapKinds, renderProgramKinds } from "./kernel-gen/render-kinds.ts";
import { loadLibbpf } from "./kernel-gen/libbpf-kinds.ts";

/** Enums copied as they are: output constant name → C enum name. */
const NAMED_ENUMS: readonly (readonly [string, string])[] = [
  ["BPF_CMD", "bpf_cmd"],
  ["BPF_LINK_TYPE", "bpf_link_type"],
  ["XDP_ACTION", "xdp_action"],
  ["SK_ACTION", "sk_action"],
  ["BPF_RET_CODE", "bpf_ret_code"],
];

/** Enums the kind records (map-kinds.ts, program-kinds.ts) are built from, not copied. */
const KIND_ENUMS = ["bpf_map_type", "bpf_prog_type", "bpf_attach_type"] as const;

/** One helper as found in the header. */
export interface HeaderHelper {
  readonly id: number;
  readonly name: string;
  readonly signature: string;
}

/** Removes C comments, keeping line structure (so error messages could still count lines). */
function stripComments(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "))
    .replace(/\/\/.*$/gm, "");
}

/**
 * Evaluates a C integer constant expression over known names: literals with U/L suffixes, `( )`,
 * unary `- ~`, `<< >>`, `+ -`, `&`, `|`, and casts to integer types (ignored). Returns undefined for
 * anything else (the constant is then left out, never guessed).
 */
export function evalCExpr(expr: string, known: ReadonlyMap<string, bigint>): bigint | undefined {
  const toks = expr
    .replace(
      /\((?:__u64|__u32|__s64|__s32|unsigned long long|unsigned long|unsigned int|int)\)/g,
      "",
    )
    .match(/0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|[A-Za-z_]\w*|<<|>>|[()|&~+\-]|\S/g);
  if (!toks) return undefined;
  let i = 0;
  const fail = Symbol("fail");
  const primary = (): bigint => {
    const t = toks[i++];
    if (t === undefined) throw fail;
    if (t === "(") {
      const v = orExpr();
      if (toks[i++] !== ")") throw fail;
      return v;
    }
    if (t === "-") return -primary();
    if (t === "~") return ~primary();
    if (/^\d|^0[xX]/.test(t)) return BigInt(t.replace(/[uUlL]+$/, ""));
    const v = known.get(t);
    if (v === undefined) throw fail;
    return v;
  };
  const additive = (): bigint => {
    let v = primary();
    while (toks[i] === "+" || toks[i] === "-")
      v = toks[i++] === "+" ? v + primary() : v - primary();
    return v;
  };
  const shift = (): bigint => {
    let v = additive();
    while (toks[i] === "<<" || toks[i] === ">>")
      v = toks[i++] === "<<" ? v << additive() : v >> additive();
    return v;
  };
  const andExpr = (): bigint => {
    let v = shift();
    while (toks[i] === "&") {
      i++;
      v &= shift();
    }
    return v;
  };
  const orExpr = (): bigint => {
    let v = andExpr();
    while (toks[i] === "|") {
      i++;
      v |= andExpr();
    }
    return v;
  };
  try {
    const v = orExpr();
    return i === toks.length ? v : undefined;
  } catch (e) {
    if (e === fail) return undefined;
    throw e;
  }
}

/** Members of one enum body, in order, with C's implicit numbering. */
function parseEnumBody(body: string, known: Map<string, bigint>): [string, bigint][] {
  const out: [string, bigint][] = [];
  let next = 0n;
  for (const raw of body.split(",")) {
    const item = raw.trim();
    if (!item) continue;
    const m = /^([A-Za-z_]\w*)\s*(?:=\s*([\s\S]+))?$/.exec(item);
    if (!m) continue;
    const name = m[1]!;
    let value = next;
    if (m[2] !== undefined) {
      const v = evalCExpr(m[2], known);
      if (v === undefined) continue;
      value = v;
    }
    known.set(name, value);
    out.push([name, value]);
    next = value + 1n;
  }
  return out;
}

/** Everything the generator extracts from the header. */
export interface HeaderTables {
  readonly helpers: readonly HeaderHelper[];
  readonly enums: ReadonlyMap<string, readonly [string, bigint][]>;
  readonly constants: readonly [string, bigint][];
}

/** Parses the header text. Throws if the helper list or a required enum is missing. */
export function parseBpfHeader(header: string): HeaderTables {
  const code = stripComments(header);
  const known = new Map<string, bigint>();
  const enums = new Map<string, [string, bigint][]>();
  const constants: [string, bigint][] = [];
  const seen = new Set<string>();
  const enumRe = /\benum\s+(\w+)?\s*\{([^}]*)\}/g;
  for (let m = enumRe.exec(code); m; m = enumRe.exec(code)) {
    if (m[2]!.includes("__BPF_FUNC_MAPPER")) continue;
    const members = parseEnumBody(m[2]!, known);
    if (m[1]) enums.set(m[1], members);
    else {
      for (const [n, v] of members) {
        if (!n.startsWith("BPF_") || seen.has(n)) continue;
        seen.add(n);
        constants.push([n, v]);
      }
    }
  }
  for (const m of code.matchAll(/^#define\s+(BPF_F_\w+|BPF_RB_\w+)[ \t]+([^\n\\]+)$/gm)) {
    const v = evalCExpr(m[2]!.trim(), known);
    if (v === undefined || seen.has(m[1]!)) continue;
    seen.add(m[1]!);
    known.set(m[1]!, v);
    constants.push([m[1]!, v]);
  }
  for (const c of [...NAMED_ENUMS.map(([, c]) => c), ...KIND_ENUMS]) {
    if (!enums.has(c)) throw new Error(`linux/bpf.h: enum ${c} not found`);
  }
  return { helpers: parseHelpers(header, code), enums, constants };
}

/** Helper ids and names from the FUNC_MAPPER macro; signatures from the doc block. */
function parseHelpers(header: string, code: string): HeaderHelper[] {
  const signatures = new Map<string, string>();
  const lines = header.split("\n");
  for (let i = 0; i + 1 < lines.length; i++) {
    const sig = /^ \* (\S.*\bbpf_(\w+)\(.*\))\s*$/.exec(lines[i]!);
    if (sig && /^ \*\s+Description\s*$/.test(lines[i + 1]!)) {
      signatures.set(sig[2]!, sig[1]!.replace(/\s+/g, " "));
    }
  }
  const macro =
    /#define\s+_{2,3}BPF_FUNC_MAPPER\(FN(?:,\s*ctx(?:\.\.\.)?)?\)\s*\\\n((?:.*\\\n)*.*)/.exec(code);
  if (!macro) throw new Error("linux/bpf.h: __BPF_FUNC_MAPPER not found");
  const helpers: HeaderHelper[] = [];
  let position = 0;
  for (const m of macro[1]!.matchAll(/FN\(\s*(\w+)\s*(?:,\s*(\d+)\s*(?:,[^)]*)?)?\)/g)) {
    const id = m[2] !== undefined ? Number(m[2]) : position;
    helpers.push({ id, name: m[1]!, signature: signatures.get(m[1]!) ?? "" });
    position++;
  }
  if (helpers.length < 2) throw new Error("linux/bpf.h: helper list is empty");
  return helpers;
}

function literal(v: bigint): string {
  if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) {
    return v < 0n || v < 1024n ? String(v) : `0x${v.toString(16)}`;
  }
  return v < 0n ? `${v}n` : `0x${v.toString(16)}n`;
}

/** Renders the module text (before prettier). */
export function renderKernelTables(tables: HeaderTables, version: string): string {
  const out: string[] = [];
  out.push(
    `/**`,
    ` * Kernel BPF tables: commands, link types, XDP actions and flag constants (helpers, map, program`,
    ` * and attach types are records: helper-records.ts, map-kinds.ts, program-kinds.ts).`,
    ` *`,
    ` * generated by scripts/gen-kernel-tables.ts from linux/bpf.h ${version}, do not edit`,
    ` */`,
    ``,
    `/** Version of the uapi header these tables were generated from. */`,
    `export const KERNEL_HEADER_VERSION = ${JSON.stringify(version)};`,
  );
  for (const [constName, cName] of NAMED_ENUMS) {
    out.push(``, `/** enum ${cName}. */`, `export const ${constName} = {`);
    for (const [n, v] of tables.enums.get(cName)!) {
      if (n.startsWith("__") || n.startsWith("MAX_")) continue;
      out.push(`  ${n}: ${literal(v)},`);
    }
    out.push(`} as const;`);
  }
  out.push(
    ``,
    `/** Constants of the header's anonymous enums and \`#define BPF_F_* / BPF_RB_*\` flags. */`,
    `export const BPF_CONSTANTS = {`,
  );
  for (const [n, v] of tables.constants) out.push(`  ${n}: ${literal(v)},`);
  out.push(`} as const;`, ``);
  return out.join("\n");
}

/** The header's version: `6.1.192 (linux-libc-dev 6.1.192-2)`, from version.h and dpkg when present. */
export function readHeaderVersion(includeDir = "/usr/include"): string {
  let version = "unknown";
  const vh = join(includeDir, "linux/version.h");
  if (existsSync(vh)) {
    const text = readFileSync(vh, "utf8");
    const part = (n: string) => new RegExp(`LINUX_VERSION_${n}\\s+(\\d+)`).exec(text)?.[1];
    const [a, b, c] = [part("MAJOR"), part("PATCHLEVEL"), part("SUBLEVEL")];
    if (a && b && c) version = `${a}.${b}.${c}`;
  }
  try {
    const pkg = execFileSync("dpkg-query", ["-W", "-f", "${Version}", "linux-libc-dev"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    if (pkg) version += ` (linux-libc-dev ${pkg})`;
  } catch {
    // Not a Debian system: version.h alone names the header.
  }
  return version;
}

/** libbpf's version (`1:1.1.2-0+deb12u1` of libbpf-dev), naming bpf_helper_defs.h; "unknown" off Debian. */
export function readLibbpfVersion(): string {
  try {
    const v = execFileSync("dpkg-query", ["-W", "-f", "${Version}", "libbpf-dev"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return v ? `libbpf-dev ${v}` : "unknown";
  } catch {
    return "unknown";
  }
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

async function prettify(text: string, like: string): Promise<string> {
  const config = (await resolveConfig(join(ROOT, like))) ?? {};
  return format(text, { ...config, parser: "typescript", filepath: join(ROOT, like) });
}

/** Generates the formatted module text from a header file. */
export async function generateKernelTables(headerPath: string, version: string): Promise<string> {
  const text = renderKernelTables(parseBpfHeader(readFileSync(headerPath, "utf8")), version);
  return prettify(text, "core/kernel/generated.ts");
}

/** Sources and versions the kernel records are generated from. */
export interface RecordSources {
  /** Include directory holding linux/bpf.h and bpf/bpf_helper_defs.h. */
  readonly includeDir: string;
  readonly headerVersion: string;
  readonly libbpfVersion: string;
}

/** The record files (path relative to the repo root → formatted text). */
export async function generateKernelRecords(src: RecordSources): Promise<Map<string, string>> {
  const header = parseBpfHeader(readFileSync(join(src.includeDir, "linux/bpf.h"), "utf8"));
  const kinds = buildKindRecords(
    {
      mapTypes: header.enums.get("bpf_map_type")!,
      progTypes: header.enums.get("bpf_prog_type")!,
      attachTypes: header.enums.get("bpf_attach_type")!,
    },
    loadLibbpf(),
  );
  const defs = readFileSync(join(src.includeDir, "bpf/bpf_helper_defs.h"), "utf8");
  const records = toRecords(parseHelperDefs(defs));
  const layouts = parseLayoutDump(dumpLayouts(src.includeDir));
  const files = new Map<string, string>();
  const put = async (path: string, text: string) => files.set(path, await prettify(text, path));
  await put("core/kernel/helper-records.ts", renderHelperRecords(records, src.libbpfVersion));
  await put("core/kernel/context-layouts.ts", renderContextLayouts(layouts, src.headerVersion));
  await put(
    "core/kernel/map-kinds.ts",
    renderMapKinds(kinds, src.headerVersion, src.libbpfVersion),
  );
  await put(
    "core/kernel/program-kinds.ts",
    renderProgramKinds(kinds, src.headerVersion, src.libbpfVersion),
  );
  await put(
    "stdlib/helpers.d.ts",
    renderStdlibHelpers(records, HELPER_OVERRIDES, src.libbpfVersion),
  );
  return files;
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const header = arg("--header") ?? "/usr/include/linux/bpf.h";
  const outPath = arg("--out") ?? join(root, "core/kernel/generated.ts");
  if (!existsSync(header)) {
    process.stderr.write(`gen-kernel-tables: ${header} not found (install linux-libc-dev)\n`);
    process.exitCode = 1;
    return;
  }
  const includeDir = join(dirname(header), "..");
  const headerVersion = readHeaderVersion(includeDir);
  const text = await generateKernelTables(header, headerVersion);
  writeFileSync(outPath, text);
  process.stdout.write(`wrote ${outPath}\n`);
  const records = await generateKernelRecords({
    includeDir,
    headerVersion,
    libbpfVersion: readLibbpfVersion(),
  });
  for (const [path, body] of records) {
    writeFileSync(join(root, path), body);
    process.stdout.write(`wrote ${path}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv.slice(2));
}
