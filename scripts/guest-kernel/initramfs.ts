/**
 * A minimal initramfs, written as a `newc` cpio archive (the format the kernel unpacks; see the
 * kernel's Documentation/driver-api/early-userspace/buffer-format.rst): directories, regular files
 * and their modes, nothing else. The guest's /init is a busybox shell script (test/support/qemu.ts
 * writes it), so the archive holds a static busybox, the init script and the kernel modules.
 *
 * Consumes a list of entries (path inside the archive, mode, bytes); produces the archive bytes.
 * Parent directories are added automatically, each once.
 */

/** One file of the archive; `data` undefined makes a directory. */
export interface InitramfsEntry {
  readonly path: string;
  readonly mode: number;
  readonly data?: Uint8Array;
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/** The newc archive of `entries` (plus their parent directories), ending with the trailer. */
export function writeInitramfs(entries: readonly InitramfsEntry[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ino = 1;
  const push = (b: Uint8Array) => {
    chunks.push(b);
    size += b.length;
  };
  const pad = () => {
    if (size % 4) push(new Uint8Array(4 - (size % 4)));
  };
  const record = (name: string, mode: number, data: Uint8Array) => {
    const hex = (n: number) => n.toString(16).padStart(8, "0");
    const nameBytes = new TextEncoder().encode(`${name}\0`);
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
    push(new TextEncoder().encode(`070701${fields.map(hex).join("")}`));
    push(nameBytes);
    pad();
    push(data);
    pad();
  };
  const dirs = new Set<string>();
  const ensureDir = (dir: string) => {
    if (dir === "" || dirs.has(dir)) return;
    ensureDir(dir.slice(0, Math.max(0, dir.lastIndexOf("/"))));
    dirs.add(dir);
    record(dir, S_IFDIR | 0o755, new Uint8Array());
  };
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, "");
    if (e.data === undefined) {
      ensureDir(path);
      continue;
    }
    ensureDir(path.slice(0, Math.max(0, path.lastIndexOf("/"))));
    record(path, S_IFREG | (e.mode & 0o7777), e.data);
  }
  record("TRAILER!!!", 0, new Uint8Array());
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
