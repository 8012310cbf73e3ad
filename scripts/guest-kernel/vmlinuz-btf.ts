/**
 * The kernel's own BTF (what it serves as /sys/kernel/btf/vmlinux) read straight from a bzImage,
 * without booting it: the `.BTF` section of the vmlinux ELF that the bzImage carries compressed.
 *
 * Consumes the vmlinuz bytes; produces the raw BTF blob (header + types + strings, byte for byte
 * the section's contents). How (the boot protocol's setup header, Documentation/arch/x86/boot.rst):
 * `setup_sects` at 0x1f1 gives where the protected-mode part starts ((setup_sects + 1) * 512, a 0
 * meaning 4), `payload_offset` / `payload_length` at 0x248 / 0x24c locate the compressed vmlinux in
 * it. The payload is decompressed by the host's xz / zstd / gzip (chosen by its magic; the kernel
 * appends the uncompressed size after the stream, which `--single-stream` / trailing-data tolerance
 * ignores); llvm-objcopy then dumps the vmlinux's `.BTF` section (objcopy.ts).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dumpSection } from "./objcopy.ts";

/** Compressed payload formats a distribution bzImage uses, by magic. */
const DECOMPRESSORS: readonly { magic: readonly number[]; cmd: string; args: string[] }[] = [
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], cmd: "xz", args: ["-dc", "--single-stream"] },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], cmd: "zstd", args: ["-dcq"] },
  { magic: [0x1f, 0x8b], cmd: "gzip", args: ["-dcq"] },
];

/** The uncompressed vmlinux ELF inside a bzImage. Throws with the reason when it is not one. */
export function vmlinuxFromBzImage(bz: Uint8Array): Uint8Array {
  const v = new DataView(bz.buffer, bz.byteOffset, bz.byteLength);
  if (bz.length < 0x250 || v.getUint32(0x202, true) !== 0x53726448 /* "HdrS" */)
    throw new Error("not a bzImage (no HdrS setup header at 0x202)");
  const version = v.getUint16(0x206, true);
  if (version < 0x208)
    throw new Error(`boot protocol ${version.toString(16)} has no payload fields (needs 2.08+)`);
  const setupSects = bz[0x1f1] || 4;
  const start = (setupSects + 1) * 512 + v.getUint32(0x248, true);
  const length = v.getUint32(0x24c, true);
  if (start + length > bz.length)
    throw new Error(`bzImage payload [${start}, ${start + length}) is outside the file`);
  const payload = bz.subarray(start, start + length);
  const d = DECOMPRESSORS.find((c) => c.magic.every((b, i) => payload[i] === b));
  if (!d) throw new Error("bzImage payload is compressed in a format not handled (xz, zstd, gzip)");
  const out = execFileSync(d.cmd, d.args, {
    input: payload,
    maxBuffer: 1 << 30,
    stdio: ["pipe", "pipe", "ignore"],
  });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The raw `.BTF` section of a bzImage's vmlinux. Throws when the kernel was built without BTF. */
export function btfFromBzImage(bz: Uint8Array): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-vmlinux-"));
  try {
    const vmlinux = join(dir, "vmlinux");
    writeFileSync(vmlinux, vmlinuxFromBzImage(bz));
    const btf = dumpSection(vmlinux, ".BTF");
    if (!btf || btf.length === 0)
      throw new Error(
        "the vmlinux has no .BTF section (kernel built without CONFIG_DEBUG_INFO_BTF)",
      );
    return btf;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
