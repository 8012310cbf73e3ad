/**
 * A deterministic POSIX ustar archive of regular files: what an OCI image layer needs to carry a
 * BPF object at its root, and nothing else (no directories, links, long names or pax headers).
 *
 * Consumes file names and bytes; produces the archive bytes. Every header field that could vary
 * between machines or runs is fixed: mode 0644, uid/gid 0 with empty user/group names, mtime given
 * by the caller (0 by default), entries in the order given. So the same files give the same bytes,
 * which makes the layer digest, and with it the whole image, reproducible.
 *
 * Written here rather than taken from npm: the packages that stream tar (tar, tar-stream) read the
 * file system or pull in stream runtimes, and still need their defaults pinned to be reproducible;
 * a single-file ustar writer is ~60 lines, and the tests read its output back with GNU tar and
 * skopeo.
 *
 * Header layout (POSIX.1-1988 ustar, 512 bytes, numbers as NUL-terminated octal):
 *
 *   0 name[100]  100 mode[8]  108 uid[8]  116 gid[8]  124 size[12]  136 mtime[12]
 *   148 chksum[8]  156 typeflag  157 linkname[100]  257 magic "ustar\0"  263 version "00"
 *   265 uname[32]  297 gname[32]  329 devmajor[8]  337 devminor[8]  345 prefix[155]  500 pad
 *
 * The archive ends with two zero blocks; every file's data is padded to a multiple of 512.
 */

/** One regular file of the archive. */
export interface TarFile {
  /** Name inside the archive: at most 100 bytes, no `/` at the start, no `..`. */
  readonly name: string;
  readonly data: Uint8Array;
}

const BLOCK = 512;
const encoder = new TextEncoder();

function putText(h: Uint8Array, at: number, width: number, text: string): void {
  const b = encoder.encode(text);
  if (b.length > width) throw new RangeError(`tar: '${text}' does not fit ${width} bytes`);
  h.set(b, at);
}

function putOctal(h: Uint8Array, at: number, width: number, n: number): void {
  putText(h, at, width, n.toString(8).padStart(width - 1, "0") + "\0");
}

function header(name: string, size: number, mtime: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  putText(h, 0, 100, name);
  putOctal(h, 100, 8, 0o644);
  putOctal(h, 108, 8, 0);
  putOctal(h, 116, 8, 0);
  putOctal(h, 124, 12, size);
  putOctal(h, 136, 12, mtime);
  h[156] = 0x30; // '0': regular file
  putText(h, 257, 6, "ustar\0");
  putText(h, 263, 2, "00");
  putOctal(h, 329, 8, 0);
  putOctal(h, 337, 8, 0);
  // The checksum is the byte sum of the header with its own field read as eight spaces.
  h.fill(0x20, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  putText(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

/** Checks a member name; throws a RangeError naming what is wrong. */
function checkName(name: string): void {
  if (name === "" || name.startsWith("/") || name.split("/").includes("..")) {
    throw new RangeError(`tar: '${name}' is not a relative member name`);
  }
  if (encoder.encode(name).length > 100) throw new RangeError(`tar: '${name}' is over 100 bytes`);
}

/** The ustar archive of `files`, all with modification time `mtime` (seconds since the epoch). */
export function writeTar(files: readonly TarFile[], mtime = 0): Uint8Array {
  let total = 2 * BLOCK;
  for (const f of files) {
    checkName(f.name);
    total += BLOCK + Math.ceil(f.data.length / BLOCK) * BLOCK;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const f of files) {
    out.set(header(f.name, f.data.length, mtime), at);
    at += BLOCK;
    out.set(f.data, at);
    at += Math.ceil(f.data.length / BLOCK) * BLOCK;
  }
  return out;
}
