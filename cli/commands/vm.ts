/**
 * `tsbpf vm run obj.o --prog NAME [input] [--engine jit|interpreter] [--repeat N]`: loads a BPF object
 * into the bundled VM, runs one program, and prints r0, the maps' contents, printk lines, ring buffer
 * and perf samples.
 *
 * Consumes an ELF object (ours or clang's) and the input options; produces a text report on stdout.
 * Every user mistake (missing file, unknown program, bad hex, an input the program type cannot take)
 * is one clear error line through cli/report.ts; the VM's runtime errors (VmError) likewise.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { VmApiError, VmObject, type RunInput } from "../../runtime/vm/api.ts";
import { decodeUint } from "../../runtime/vm/codecs.ts";
import type { VmMap } from "../../runtime/maps/index.ts";
import { namingFile } from "../file-errors.ts";
import { progOption } from "../options.ts";

interface RunFlags {
  prog?: string;
  ctx?: string;
  ctxHex?: string;
  packet?: string;
  packetHex?: string;
  engine: string;
  repeat: string;
  cpus: string;
  maxEntries: string;
  btf?: string;
}

/** Parses hex text ("0a 0b", "0a:0b", "0a0b") into bytes. */
export function parseHex(text: string, what: string): Uint8Array {
  const clean = text.replace(/0x/gi, "").replace(/[\s:,_-]/g, "");
  if (!/^[0-9a-fA-F]*$/.test(clean) || clean.length % 2 !== 0) {
    throw new VmApiError(`${what}: not a hex byte string: ${JSON.stringify(text)}`);
  }
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

function readInput(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new VmApiError(`cannot read ${what} file ${path}: ${(e as NodeJS.ErrnoException).code}`);
  }
}

function positiveInt(text: string, what: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new VmApiError(`${what} must be an integer from 1 to ${max}, got ${text}`);
  }
  return n;
}

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(" ");
}

/** A value printed as hex bytes, plus its unsigned integer reading when it is 1–8 bytes. */
function showValue(b: Uint8Array): string {
  return b.length <= 8 && b.length > 0 ? `${hex(b)} (${decodeUint(b)})` : hex(b);
}

function mapLines(m: VmMap, maxEntries: number): string[] {
  const s = m.spec;
  const head = `  ${s.name} (${m.kind}, key ${s.keySize} B, value ${s.valueSize} B, max ${s.maxEntries})`;
  if (m.kind === "ringbuf" || m.kind === "perf_event_array") return [head];
  const isArray = m.kind.endsWith("array") && m.kind !== "prog_array";
  const out: string[] = [];
  let shown = 0;
  let skipped = 0;
  for (const k of m.keys()) {
    const values = m.lookupAllCpus(k) ?? [];
    if (isArray && values.every((v) => v.every((x) => x === 0))) continue;
    if (shown >= maxEntries) {
      skipped++;
      continue;
    }
    shown++;
    const key = showValue(k);
    if (values.length === 1) out.push(`    [${key}] = ${showValue(values[0]!)}`);
    else values.forEach((v, cpu) => out.push(`    [${key}] cpu ${cpu} = ${showValue(v)}`));
  }
  if (skipped > 0) out.push(`    ... ${skipped} more entries`);
  if (out.length === 0) out.push(isArray ? "    (all zero)" : "    (empty)");
  return [head, ...out];
}

function runCommand(file: string, flags: RunFlags): void {
  const engine = flags.engine;
  if (engine !== "jit" && engine !== "interpreter") {
    throw new VmApiError(`--engine must be jit or interpreter, got ${engine}`);
  }
  const repeat = positiveInt(flags.repeat, "--repeat", 1_000_000);
  const cpus = positiveInt(flags.cpus, "--cpus", 1024);
  const maxEntries = positiveInt(flags.maxEntries, "--max-entries", 1_000_000);
  const inputs = [flags.ctx, flags.ctxHex, flags.packet, flags.packetHex].filter(
    (x) => x !== undefined,
  );
  if (inputs.length > 1)
    throw new VmApiError("give at most one of --ctx, --ctx-hex, --packet, --packet-hex");
  let input: RunInput = {};
  if (flags.ctx !== undefined) input = { ctx: readInput(flags.ctx, "--ctx") };
  if (flags.ctxHex !== undefined) input = { ctx: parseHex(flags.ctxHex, "--ctx-hex") };
  if (flags.packet !== undefined) input = { packet: readInput(flags.packet, "--packet") };
  if (flags.packetHex !== undefined) input = { packet: parseHex(flags.packetHex, "--packet-hex") };

  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new VmApiError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code}`);
  }
  namingFile(file, () =>
    report(
      VmObject.load(bytes, {
        engine,
        cpus,
        ...(flags.btf !== undefined ? { coreBtf: flags.btf } : {}),
      }),
      flags,
      input,
    ),
  );
}

/** Runs the chosen program `--repeat` times and prints the report. */
function report(obj: VmObject, flags: RunFlags, input: RunInput): void {
  const engine = flags.engine;
  const repeat = positiveInt(flags.repeat, "--repeat", 1_000_000);
  const maxEntries = positiveInt(flags.maxEntries, "--max-entries", 1_000_000);
  let progName = flags.prog;
  if (progName === undefined) {
    if (obj.programs.length !== 1) {
      const names = obj.programs.map((p) => p.name).join(", ");
      throw new VmApiError(
        `--prog is required: the object has ${obj.programs.length} programs (${names})`,
      );
    }
    progName = obj.programs[0]!.name;
  }
  const prog = obj.program(progName);
  const lines: string[] = [
    `program ${prog.name} (section ${prog.section}, type ${prog.progType ?? "unknown"}), engine ${engine}`,
  ];
  let executed = 0;
  const start = process.hrtime.bigint();
  let last = prog.run(input);
  executed += last.executed;
  for (let i = 1; i < repeat; i++) {
    last = prog.run(input);
    executed += last.executed;
  }
  const ns = Number(process.hrtime.bigint() - start);
  const r0 = last.r0;
  lines.push(`r0 = ${r0} (0x${r0.toString(16)}, signed ${BigInt.asIntN(64, r0)})`);
  lines.push(
    repeat > 1
      ? `${repeat} runs, ${executed} instructions, ${(ns / repeat / 1000).toFixed(2)} µs/run`
      : `${executed} instructions executed`,
  );
  const maps = obj.loaded.mapsByIndex;
  if (maps.length > 0) lines.push("maps:", ...maps.flatMap((m) => mapLines(m, maxEntries)));
  const printk = obj.printk();
  if (printk.length > 0)
    lines.push(`printk (${printk.length} lines):`, ...printk.map((l) => `  ${l}`));
  for (const m of maps) {
    if (m.kind !== "ringbuf") continue;
    const samples = obj.ringbuf(m.spec.name).drain();
    lines.push(`ringbuf ${m.spec.name}: ${samples.length} records`);
    samples.slice(0, maxEntries).forEach((s, i) => lines.push(`  #${i} (${s.length} B) ${hex(s)}`));
  }
  const perf = obj.drainPerf();
  if (perf.length > 0) {
    lines.push(`perf samples: ${perf.length}`);
    for (const r of perf.slice(0, maxEntries)) {
      lines.push(`  ${r.map} cpu ${r.cpu} (${r.data.length} B) ${hex(r.data)}`);
    }
  }
  if (last.packet) lines.push(`packet after run: ${hex(last.packet)}`);
  process.stdout.write(lines.join("\n") + "\n");
}

/** Registers `tsbpf vm`. */
export function registerVmCommand(program: Command): void {
  const vm = program.command("vm").description("run BPF objects in the bundled VM");
  const run = vm
    .command("run")
    .description("load an object and run one program in the VM")
    .argument("<object>", "BPF ELF object (.o)");
  progOption(run, "program name or section (required if the object has several)", true)
    .option("--ctx <file>", "context bytes from a file")
    .option("--ctx-hex <hex>", "context bytes as hex")
    .option("--packet <file>", "packet from a file (XDP / tc / socket programs)")
    .option("--packet-hex <hex>", "packet as hex")
    .option("--engine <kind>", "jit or interpreter", "jit")
    .option("--repeat <n>", "run N times (maps persist between runs)", "1")
    .option("--cpus <n>", "number of simulated CPUs", "1")
    .option("--btf <file>", "kernel BTF to resolve CO-RE relocations against")
    .option("--max-entries <n>", "map entries / records to print per map", "32")
    .action((file: string, flags: RunFlags) => runCommand(file, flags));
}
