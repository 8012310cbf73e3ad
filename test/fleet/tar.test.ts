/**
 * fleet/tar.ts: the ustar archives it writes are read back by GNU tar (names, sizes, mode, owner,
 * mtime, contents, checksums) and are the same bytes every time; bad member names are refused.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { writeTar } from "../../fleet/tar.ts";

function tar(
  args: readonly string[],
  input: Uint8Array,
): { out: Buffer; err: string; code: number } {
  const r = spawnSync("tar", args, { input, timeout: 20_000, env: { ...process.env, TZ: "UTC" } });
  return { out: r.stdout, err: r.stderr.toString(), code: r.status ?? -1 };
}

const bytes = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * seed) & 255);

describe("writeTar", () => {
  const files = [
    { name: "probe.o", data: bytes(1300, 7) },
    { name: "empty.txt", data: new Uint8Array(0) },
    { name: "exactly-512", data: bytes(512, 3) },
  ];
  const archive = writeTar(files);

  it("lists as regular files owned by 0/0, mode 0644, mtime 0, with their sizes", () => {
    const r = tar(["--numeric-owner", "-tvf", "-"], archive);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const lines = r.out.toString().trimEnd().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(/^-rw-r--r-- 0\/0 +1300 1970-01-01 00:00 probe\.o$/),
      expect.stringMatching(/^-rw-r--r-- 0\/0 +0 1970-01-01 00:00 empty\.txt$/),
      expect.stringMatching(/^-rw-r--r-- 0\/0 +512 1970-01-01 00:00 exactly-512$/),
    ]);
  });

  it("gives every file's bytes back", () => {
    for (const f of files) {
      const r = tar(["-xOf", "-", f.name], archive);
      expect(r.code).toBe(0);
      expect(new Uint8Array(r.out)).toEqual(f.data);
    }
  });

  it("is block-aligned, ends in two zero blocks, and is the same bytes every time", () => {
    expect(archive.length % 512).toBe(0);
    // 3 headers + data blocks (3 + 0 + 1) + 2 end blocks
    expect(archive.length).toBe(512 * (3 + 4 + 2));
    expect(archive.subarray(archive.length - 1024).every((b) => b === 0)).toBe(true);
    expect(writeTar(files)).toEqual(archive);
    expect(writeTar(files, 1700000000)).not.toEqual(archive);
  });

  it.each(["", "/etc/passwd", "../up", "a/../../b", "x".repeat(101)])(
    "refuses the member name %j",
    (name) => {
      expect(() => writeTar([{ name, data: new Uint8Array(1) }])).toThrow(RangeError);
    },
  );
});
