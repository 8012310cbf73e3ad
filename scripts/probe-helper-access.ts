/**
 * Generates `core/kernel/helper-access.ts`: which program types may call each helper and whether the
 * helper is GPL-only there, asked of the running kernel's verifier.
 *
 * Why the kernel: these facts live in the kernel's C code (each `bpf_func_proto`'s `gpl_only` and the
 * per-program-type `get_func_proto` switches), not in any header; no machine-readable source exists
 * outside a kernel. The verifier answers them before looking at arguments (kernel/bpf/verifier.c
 * `check_helper_call`: first the program type's proto lookup, "program of this type cannot use
 * helper", then "cannot call GPL-restricted function from non-GPL compatible program"). So for each
 * program type and helper id the probe loads `call id; r0 = 0; exit` under license "MIT" and reads
 * the verdict from the log: refused by type, refused for the license, or anything else (allowed).
 *
 * Program types that cannot be loaded without an attach target (tracing, LSM, extensions, struct_ops)
 * or that need a sleepable load are not probed: for them the records say nothing and the compiler
 * checks nothing. Needs root (CAP_BPF + CAP_SYS_ADMIN). Output is a pure function of the kernel's
 * answers and its release, run through prettier; test/kernel/helper-access.test.ts re-probes on the
 * same kernel release and compares.
 *
 * Usage: `npm run probe:helper-access` (as root).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { release } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import { HELPER_RECORDS, SECTION_DEFS, attachType, programType } from "../core/kernel/index.ts";
import { KernelError, VerifierError, loadProgram } from "../runtime/loader/index.ts";

/** What the verifier said about one (program type, helper). */
export type Verdict = "refused" | "gpl" | "allowed";

/** One probed program type: the first non-sleepable, target-free section of the type. */
export interface ProbedType {
  readonly progType: string;
  readonly attachType: string | null;
}

/**
 * The program types to probe, each with the expected attach type of its plainest libbpf section
 * (`xdp` rather than `xdp/devmap`, `tc` rather than `tc/ingress`).
 */
export function probedTypes(): ProbedType[] {
  const byType = new Map<string, ProbedType & { plain: boolean }>();
  for (const d of SECTION_DEFS) {
    if (d.btfTarget || d.sleepable) continue;
    if (d.progType === "STRUCT_OPS" || d.progType === "SYSCALL") continue;
    const plain = !/[/.]/.test(d.pattern);
    const old = byType.get(d.progType);
    if (old && (old.plain || !plain)) continue;
    byType.set(d.progType, { progType: d.progType, attachType: d.attachType, plain });
  }
  return [...byType.values()].map(({ progType, attachType }) => ({ progType, attachType }));
}

/** True when the kernel loads programs of this type at all (LIRC_MODE2 needs CONFIG_BPF_LIRC_MODE2). */
function isLoadable(t: ProbedType): boolean {
  try {
    probe(t, 5);
    return true;
  } catch (e) {
    if (e instanceof KernelError) return false;
    throw e;
  }
}

/** `call id; r0 = 0; exit`. */
function probeBytes(id: number): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  b[0] = 0x85; // call imm
  v.setInt32(4, id, true);
  b[8] = 0xb7; // mov64 r0, imm
  b[16] = 0x95; // exit
  return b;
}

/** Asks the verifier about one helper in one program type. */
export function probe(t: ProbedType, id: number): Verdict {
  try {
    const p = loadProgram(
      {
        name: "probe",
        type: programType(t.progType)!.id,
        insns: probeBytes(id),
        license: "MIT",
        ...(t.attachType ? { expectedAttachType: attachType(t.attachType)!.id } : {}),
      },
      { logLevel: 1 },
    );
    p.close();
    return "allowed";
  } catch (e) {
    if (!(e instanceof VerifierError)) throw e;
    if (/cannot use helper|unknown func|invalid func/.test(e.log)) return "refused";
    if (/GPL-restricted/.test(e.log)) return "gpl";
    return "allowed";
  }
}

/** Probes every helper in every probed type: helper name → program type → verdict. */
export function probeAll(): { types: ProbedType[]; access: Map<string, Map<string, Verdict>> } {
  const types = probedTypes().filter(isLoadable);
  const access = new Map<string, Map<string, Verdict>>();
  for (const h of HELPER_RECORDS) {
    const row = new Map<string, Verdict>();
    for (const t of types) row.set(t.progType, probe(t, h.id));
    access.set(h.name, row);
  }
  return { types, access };
}

/** The module text (before prettier). */
export function renderHelperAccess(
  types: readonly ProbedType[],
  access: ReadonlyMap<string, ReadonlyMap<string, Verdict>>,
  kernel: string,
): string {
  const rows: string[] = [];
  for (const [name, row] of access) {
    const allowed = [...row].filter(([, v]) => v !== "refused").map(([t]) => t);
    const gpl = [...row].filter(([, v]) => v === "gpl").map(([t]) => t);
    rows.push(`  ${name}: { types: ${JSON.stringify(allowed)}, gplIn: ${JSON.stringify(gpl)} },`);
  }
  return [
    `/**`,
    ` * Which probed program types may call each helper, and in which it is GPL-only, as the kernel's`,
    ` * verifier answered (see scripts/probe-helper-access.ts for why no header can say this).`,
    ` *`,
    ` * generated by scripts/probe-helper-access.ts on Linux ${kernel}, do not edit`,
    ` */`,
    ``,
    `/** Release of the kernel that was probed. */`,
    `export const HELPER_ACCESS_KERNEL = ${JSON.stringify(kernel)};`,
    ``,
    `/** The program types probed (BPF_PROG_TYPE_* without prefix); others are unknown. */`,
    `export const PROBED_PROG_TYPES: readonly string[] = ${JSON.stringify(types.map((t) => t.progType))};`,
    ``,
    `/** Per helper: the probed program types that may call it, and those where it is GPL-only. */`,
    `export const HELPER_ACCESS: Readonly<`,
    `  Record<string, { readonly types: readonly string[]; readonly gplIn: readonly string[] }>`,
    `> = {`,
    ...rows,
    `};`,
    ``,
  ].join("\n");
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Where the generated module lives. */
export const HELPER_ACCESS_PATH = join(ROOT, "core/kernel/helper-access.ts");

/** Probes the running kernel and returns the formatted module. */
export async function generateHelperAccess(): Promise<string> {
  const { types, access } = probeAll();
  const config = (await resolveConfig(HELPER_ACCESS_PATH)) ?? {};
  return format(renderHelperAccess(types, access, release()), {
    ...config,
    parser: "typescript",
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = await generateHelperAccess();
  const old = (() => {
    try {
      return readFileSync(HELPER_ACCESS_PATH, "utf8");
    } catch {
      return "";
    }
  })();
  writeFileSync(HELPER_ACCESS_PATH, text);
  process.stdout.write(`wrote ${HELPER_ACCESS_PATH}${old === text ? " (unchanged)" : ""}\n`);
}
