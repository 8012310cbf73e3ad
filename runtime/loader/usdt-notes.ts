/**
 * USDT probes (statically defined tracepoints of user programs: <sys/sdt.h> `DTRACE_PROBE*` /
 * `STAP_PROBE*`) as a binary describes them in its `.note.stapsdt` ELF notes, read as libbpf's
 * usdt.c reads them (https://sourceware.org/systemtap/wiki/UserSpaceProbeImplementation).
 *
 * One note per probe site, owner "stapsdt", type 3 (NT_STAPSDT), descriptor:
 * ```
 *   u64 pc          address of the probe's nop instruction
 *   u64 base        link-time address of .stapsdt.base (for prelink adjustment)
 *   u64 semaphore   address of the probe's u16 "is anyone attached" counter, or 0
 *   char provider[], name[], args[]   NUL-terminated, e.g. "python", "function__entry",
 *                                     "8@%rbp 8@%r12 -4@%eax"
 * ```
 * When the file's `.stapsdt.base` section sits elsewhere than `base` says (the file was prelinked),
 * the pc moves by the difference. Addresses become file offsets through the PT_LOAD segments (as
 * uprobes and their reference counters are placed by file offset). Each argument is
 * `[-]size@operand` (negative size: signed) with an x86-64 AT&T operand, parsed by core/usdt.
 *
 * Consumes a binary's path; produces `UsdtProbe` records. Malformed notes are `LoaderError`s
 * naming the binary.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { fileOffsetOf, readBinaryImage, type BinaryImage } from "./elf-symbols.ts";
import { LoaderError } from "./errors.ts";
import { parseUsdtArgs, UsdtSpecError, type UsdtArg } from "../../core/usdt/index.ts";

export { parseUsdtArg, type UsdtArg } from "../../core/usdt/index.ts";

/** One probe site. */
export interface UsdtProbe {
  readonly provider: string;
  readonly name: string;
  /** Virtual address of the site (prelink-adjusted). */
  readonly address: number;
  /** File offset of the site: where the uprobe goes. */
  readonly offset: number;
  /** Virtual address of the semaphore, 0 when the probe has none. */
  readonly semaphore: number;
  /** File offset of the semaphore (the uprobe's reference counter), 0 when none. */
  readonly semaphoreOffset: number;
  /** The argument string as written in the note. */
  readonly argText: string;
  /** The parsed arguments (empty when `argError` is set). */
  readonly args: readonly UsdtArg[];
  /**
   * Why the argument string could not be parsed (core/usdt): attaching a program that reads the
   * arguments then fails with it; one that does not still attaches.
   */
  readonly argError?: string;
}

const NT_STAPSDT = 3;

function readRange(path: string, offset: number, size: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, buf, done, size - done, offset + done);
      if (n <= 0) throw new LoaderError(`${path}: .note.stapsdt ends past the end of the file`);
      done += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

function cString(b: Uint8Array, at: number): [string, number] {
  let end = at;
  while (end < b.length && b[end] !== 0) end++;
  if (end >= b.length) throw new LoaderError("USDT note string is not NUL-terminated");
  return [new TextDecoder().decode(b.subarray(at, end)), end + 1];
}

/** Every USDT probe site of a binary (an empty list when it has no `.note.stapsdt`). */
export function readUsdtProbes(
  path: string,
  image: BinaryImage = readBinaryImage(path),
): UsdtProbe[] {
  const notes = image.sections.find((s) => s.name === ".note.stapsdt");
  if (!notes) return [];
  const baseSection = image.sections.find((s) => s.name === ".stapsdt.base");
  const bytes = readRange(path, notes.offset, notes.size);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: UsdtProbe[] = [];
  const align4 = (n: number) => (n + 3) & ~3;
  for (let at = 0; at + 12 <= bytes.length;) {
    const namesz = v.getUint32(at, true);
    const descsz = v.getUint32(at + 4, true);
    const type = v.getUint32(at + 8, true);
    const nameAt = at + 12;
    const descAt = nameAt + align4(namesz);
    const next = descAt + align4(descsz);
    if (next > bytes.length)
      throw new LoaderError(`${path}: a .note.stapsdt note overruns the section`);
    const owner = new TextDecoder()
      .decode(bytes.subarray(nameAt, nameAt + namesz))
      .replace(/\0+$/, "");
    if (type === NT_STAPSDT && owner === "stapsdt" && descsz >= 27) {
      const desc = bytes.subarray(descAt, descAt + descsz);
      const dv = new DataView(desc.buffer, desc.byteOffset, desc.byteLength);
      const pc = Number(dv.getBigUint64(0, true));
      const base = Number(dv.getBigUint64(8, true));
      const semaphore = Number(dv.getBigUint64(16, true));
      const [provider, p1] = cString(desc, 24);
      const [name, p2] = cString(desc, p1);
      const [argText] = cString(desc, p2);
      const address = baseSection && base !== 0 ? pc + (baseSection.addr - base) : pc;
      const offset = fileOffsetOf(image, address);
      if (offset === undefined)
        throw new LoaderError(
          `${path}: USDT ${provider}:${name} at 0x${address.toString(16)} is in no loadable segment`,
        );
      const semaphoreOffset = semaphore === 0 ? 0 : (fileOffsetOf(image, semaphore) ?? 0);
      let args: UsdtArg[] = [];
      let argError: string | undefined;
      try {
        args = parseUsdtArgs(argText);
      } catch (e) {
        if (!(e instanceof UsdtSpecError)) throw e;
        argError = e.message;
      }
      out.push({
        provider,
        name,
        address,
        offset,
        semaphore,
        semaphoreOffset,
        argText,
        args,
        ...(argError !== undefined ? { argError } : {}),
      });
    }
    at = next;
  }
  return out;
}
