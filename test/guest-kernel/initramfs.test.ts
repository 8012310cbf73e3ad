/**
 * The initramfs writer of the guest-kernel tests (scripts/guest-kernel/initramfs.ts): the archive
 * it writes is read back by an independent cpio (busybox's, which the guest tests need anyway) with
 * every entry, mode and byte as given, parents created once.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeInitramfs } from "../../scripts/guest-kernel/initramfs.ts";
import { capability, hasCommand } from "../support/env.ts";

const busybox = capability(
  "busybox (busybox-static)",
  hasCommand("busybox", ["cpio", "--help"]),
  "initramfs writer",
);

describe.runIf(busybox)("writeInitramfs", () => {
  it("writes a newc archive that cpio extracts to the same files, modes and bytes", () => {
    const odd = new Uint8Array(4099).map((_, i) => (i * 7) & 0xff); // not a multiple of 4
    const cpio = writeInitramfs([
      { path: "init", mode: 0o755, data: new TextEncoder().encode("#!/bin/sh\n") },
      { path: "lib/modules/6.1/kernel/fs/9p/9p.ko", mode: 0o644, data: odd },
      { path: "lib/modules/6.1/modules.load", mode: 0o600, data: new Uint8Array() },
      { path: "empty", mode: 0o755 },
    ]);
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-initramfs-"));
    try {
      writeFileSync(join(dir, "a.cpio"), cpio);
      const list = execFileSync("busybox", ["cpio", "-t", "-F", "a.cpio"], {
        cwd: dir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
      expect(list.trim().split("\n")).toEqual([
        "init",
        "lib",
        "lib/modules",
        "lib/modules/6.1",
        "lib/modules/6.1/kernel",
        "lib/modules/6.1/kernel/fs",
        "lib/modules/6.1/kernel/fs/9p",
        "lib/modules/6.1/kernel/fs/9p/9p.ko",
        "lib/modules/6.1/modules.load",
        "empty",
      ]);
      const out = join(dir, "x");
      execFileSync("sh", ["-c", `mkdir ${out} && cd ${out} && busybox cpio -id -F ../a.cpio`], {
        stdio: "ignore",
      });
      expect(readFileSync(join(out, "init"), "utf8")).toBe("#!/bin/sh\n");
      expect(new Uint8Array(readFileSync(join(out, "lib/modules/6.1/kernel/fs/9p/9p.ko")))).toEqual(
        odd,
      );
      expect(statSync(join(out, "init")).mode & 0o7777).toBe(0o755);
      expect(statSync(join(out, "lib/modules/6.1/modules.load")).mode & 0o7777).toBe(0o600);
      expect(statSync(join(out, "empty")).isDirectory()).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
