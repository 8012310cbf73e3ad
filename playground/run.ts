/**
 * Runs one program of a compiled object in the bundled VM (runtime/user's `VmSession`, as
 * `tsbpf run --vm` does) and renders what the page shows: the return value with its name, the maps
 * bpftrace-style, ring buffer / perf records and printk lines.
 *
 * Consumes ELF bytes, a program name, one input (packet or context bytes) and `--set`-style map
 * assignments; produces plain text. User mistakes (unknown map in an assignment, a packet for a
 * tracepoint, a fault in the VM) come back as `error`, never as an exception.
 */
import { returnName } from "../core/kernel/return-codes.ts";
import { parseHexText } from "../runtime/user/hex.ts";
import { parseMapAssignment } from "../runtime/user/map-assign.ts";
import { formatEventText } from "../runtime/user/print/event-format.ts";
import { renderMapText } from "../runtime/user/print/map-report.ts";
import { VmSession } from "../runtime/user/vm-session.ts";

/** The input of one run. */
export type PageInput =
  | { readonly kind: "packet"; readonly bytes: Uint8Array }
  | { readonly kind: "ctx"; readonly bytes: Uint8Array };

/** What one run shows. */
export interface PageRun {
  /** The one-line failure, when the run did not happen. */
  readonly error?: string;
  readonly r0?: bigint;
  /** The return value's name (`XDP_DROP`), when the program type gives it one. */
  readonly returnName?: string;
  readonly summary: string;
  readonly maps: string;
  readonly events: string;
  readonly printk: string;
}

/** Parses hex bytes (`45 00 0a`, `0x4500`, with `:` `,` `_` `-` separators allowed). */
export function parseHexBytes(text: string): Uint8Array | string {
  return parseHexText(text) ?? "not a hex byte string (pairs of 0-9a-f)";
}

/** Hex text of bytes, 16 per line. */
export function formatHexBytes(b: Uint8Array): string {
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0"));
  const lines: string[] = [];
  for (let i = 0; i < hex.length; i += 16) lines.push(hex.slice(i, i + 16).join(" "));
  return lines.join("\n");
}

/** Runs `program` of `object` once on `input` after writing `assignments` (`map:key=value`). */
export function runInPage(
  object: Uint8Array,
  program: string,
  input: PageInput,
  assignments: readonly string[],
): PageRun {
  const empty = { summary: "", maps: "", events: "", printk: "" };
  let session: VmSession;
  try {
    const set = assignments.map((a) => parseMapAssignment(a));
    session = VmSession.open(object, { programs: [program], set });
  } catch (e) {
    return { ...empty, error: message(e) };
  }
  try {
    const prog = session.vm.program(program);
    const [run] = session.runAll(
      input.kind === "packet" ? { packet: input.bytes } : { ctx: input.bytes },
    );
    const r0 = run!.result.r0;
    const name = returnName(prog.progType, r0);
    const events: string[] = [];
    const printk: string[] = [];
    for (const e of session.poll()) {
      if (e.kind === "printk") printk.push(e.line.message);
      else events.push(formatEventText(e));
    }
    return {
      r0,
      ...(name !== undefined ? { returnName: name } : {}),
      summary:
        `${program} (${prog.progType ?? prog.section}) returned ${r0}${name !== undefined ? ` (${name})` : ""}` +
        ` after ${run!.result.executed} instructions`,
      maps: session
        .snapshots()
        .map((s) => renderMapText(s))
        .join(""),
      events: events.join("\n"),
      printk: printk.join("\n"),
    };
  } catch (e) {
    return { ...empty, error: message(e) };
  } finally {
    session.close();
  }
}

function message(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
