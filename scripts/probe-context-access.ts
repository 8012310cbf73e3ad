/**
 * Generates `core/kernel/context-access.ts`: which fields of its context struct each program type
 * (and expected attach type) may read and write, asked of the running kernel's verifier.
 *
 * Why the kernel: these facts are the per-program-type `is_valid_access` callbacks of
 * net/core/filter.c and kernel/bpf/*.c (`tc_cls_act_is_valid_access`, `sk_filter_is_valid_access`,
 * `sock_addr_is_valid_access`, ...), C code no header mirrors; writability even depends on the attach
 * type (`user_ip4` is writable in connect4, not in connect6). For every (program type, expected
 * attach type) pair of libbpf's section table whose context is a uapi struct of
 * context-layouts.ts, the probe loads, per field and direction, `r2 = *(uN *)(r1 + off)` or
 * `r2 = 0; *(uN *)(r1 + off) = r2`, then `r0 = 0; exit`, with N the field's own size; the verifier
 * refuses an access it does not allow ("invalid bpf_context access"). An array field (`cb[5]`) is
 * probed at its first element.
 *
 * Pairs needing an attach target or a sleepable load (tracing, LSM, struct_ops, syscall) are not
 * probed. Needs root. Output is a pure function of the kernel's answers and its release, run through
 * prettier; test/kernel/context-access.test.ts re-probes on the same release and compares.
 *
 * Usage: `npm run probe:context-access` (as root).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { release } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import {
  CONTEXT_LAYOUTS,
  SECTION_DEFS,
  attachType,
  programType,
  type ContextField,
} from "../core/kernel/index.ts";
import { KernelError, VerifierError, loadProgram } from "../runtime/loader/index.ts";

/** One probed (program type, expected attach type) pair and its context struct. */
export interface ProbedContext {
  readonly progType: string;
  readonly attachType: string | null;
  readonly struct: string;
}

/** The distinct pairs of the section table worth probing, in table order. */
export function probedContexts(): ProbedContext[] {
  const seen = new Set<string>();
  const out: ProbedContext[] = [];
  for (const d of SECTION_DEFS) {
    if (d.btfTarget || d.sleepable) continue;
    const struct = programType(d.progType)?.uapi;
    if (!struct || !CONTEXT_LAYOUTS[struct] || d.progType === "KPROBE") continue;
    const key = `${d.progType}/${d.attachType}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ progType: d.progType, attachType: d.attachType, struct });
  }
  return out;
}

const SIZE_BITS: Record<number, number> = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 };

/** The probe program for one access. */
function accessBytes(f: ContextField | null, write: boolean, r0: number): Uint8Array {
  const b = new Uint8Array(f === null ? 16 : write ? 32 : 24);
  const v = new DataView(b.buffer);
  let at = 0;
  if (f === null) {
    b[0] = 0xb7; // mov64 r0, imm
    v.setInt32(4, r0, true);
    b[8] = 0x95; // exit
    return b;
  }
  const size = SIZE_BITS[f.size]!;
  if (write) {
    b[at] = 0xb7; // mov64 r2, 0
    b[at + 1] = 0x02;
    at += 8;
    b[at] = 0x63 | size; // stx [r1 + off], r2
    b[at + 1] = 0x01 | (0x02 << 4);
  } else {
    b[at] = 0x61 | size; // ldx r2, [r1 + off]
    b[at + 1] = 0x02 | (0x01 << 4);
  }
  v.setInt16(at + 2, f.offset, true);
  at += 8;
  b[at] = 0xb7; // mov64 r0, imm
  v.setInt32(at + 4, r0, true);
  b[at + 8] = 0x95; // exit
  return b;
}

/** Loads one probe: true when the verifier accepts it; a KernelError when the type cannot load. */
function accepted(c: ProbedContext, insns: Uint8Array): boolean {
  try {
    const p = loadProgram(
      {
        name: "probe",
        type: programType(c.progType)!.id,
        insns,
        license: "GPL",
        ...(c.attachType ? { expectedAttachType: attachType(c.attachType)!.id } : {}),
      },
      { logLevel: 1 },
    );
    p.close();
    return true;
  } catch (e) {
    if (e instanceof VerifierError) return false;
    throw e;
  }
}

/** The fields of one pair the verifier lets programs read and write, or null when it cannot load. */
export function probeContext(c: ProbedContext): { readable: string[]; writable: string[] } | null {
  const fields = CONTEXT_LAYOUTS[c.struct]!.fields;
  // The return value the program type accepts: 0 for most, 1 where 0 is refused (recvmsg4).
  let r0: number | undefined;
  try {
    r0 = [0, 1].find((v) => accepted(c, accessBytes(null, false, v)));
  } catch (e) {
    if (e instanceof KernelError) return null;
    throw e;
  }
  if (r0 === undefined) return null;
  const readable: string[] = [];
  const writable: string[] = [];
  for (const f of fields) {
    if (accepted(c, accessBytes(f, false, r0))) readable.push(f.name);
    if (accepted(c, accessBytes(f, true, r0))) writable.push(f.name);
  }
  return { readable, writable };
}

/** The module text (before prettier). */
export function renderContextAccess(
  rows: readonly (ProbedContext & { readable: string[]; writable: string[] })[],
  kernel: string,
): string {
  const body = rows.map(
    (r) =>
      `  { progType: ${JSON.stringify(r.progType)}, attachType: ${JSON.stringify(r.attachType)}, struct: ${JSON.stringify(r.struct)}, readable: ${JSON.stringify(r.readable)}, writable: ${JSON.stringify(r.writable)} },`,
  );
  return [
    `/**`,
    ` * Which context fields each program type (with its expected attach type) may read and write, as`,
    ` * the kernel's verifier answered (see scripts/probe-context-access.ts for why no header says this).`,
    ` *`,
    ` * generated by scripts/probe-context-access.ts on Linux ${kernel}, do not edit`,
    ` */`,
    `import type { ContextAccess } from "./records.ts";`,
    ``,
    `/** Release of the kernel that was probed. */`,
    `export const CONTEXT_ACCESS_KERNEL = ${JSON.stringify(kernel)};`,
    ``,
    `/** Per probed (program type, attach type): the readable and writable fields of its context. */`,
    `export const CONTEXT_ACCESS: readonly ContextAccess[] = [`,
    ...body,
    `];`,
    ``,
  ].join("\n");
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Where the generated module lives. */
export const CONTEXT_ACCESS_PATH = join(ROOT, "core/kernel/context-access.ts");

/** Probes the running kernel and returns the formatted module. */
export async function generateContextAccess(): Promise<string> {
  const rows = probedContexts().flatMap((c) => {
    const r = probeContext(c);
    return r ? [{ ...c, ...r }] : [];
  });
  const config = (await resolveConfig(CONTEXT_ACCESS_PATH)) ?? {};
  return format(renderContextAccess(rows, release()), { ...config, parser: "typescript" });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = await generateContextAccess();
  const old = (() => {
    try {
      return readFileSync(CONTEXT_ACCESS_PATH, "utf8");
    } catch {
      return "";
    }
  })();
  writeFileSync(CONTEXT_ACCESS_PATH, text);
  process.stdout.write(`wrote ${CONTEXT_ACCESS_PATH}${old === text ? " (unchanged)" : ""}\n`);
}
