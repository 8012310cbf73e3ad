/**
 * Pinning objects in bpffs (BPF_OBJ_PIN) and opening pinned ones (BPF_OBJ_GET), so maps and links
 * outlive this process. Consumes an fd and a path under a bpffs mount; produces an `OwnedFd`.
 */
import { LoaderError } from "./errors.ts";
import { OwnedFd } from "./fd.ts";
import { bpf } from "./sys/bpf.ts";
import { BpfCmd } from "./sys/constants.ts";
import { OBJ } from "./sys/layouts.ts";

function cPath(path: string): Uint8Array {
  if (!path.startsWith("/")) throw new LoaderError(`pin path must be absolute: "${path}"`);
  return new TextEncoder().encode(`${path}\0`);
}

/** Pins the object behind `fd` at `path` (which must be on a bpffs mount, e.g. /sys/fs/bpf). */
export function pinObject(fd: number, path: string): void {
  bpf(BpfCmd.OBJ_PIN, OBJ, { pathname: cPath(path), bpf_fd: fd }, `pinning at ${path}`);
}

/** Opens a pinned object; the caller owns the returned fd. */
export function openPinned(path: string): OwnedFd {
  const { ret } = bpf(BpfCmd.OBJ_GET, OBJ, { pathname: cPath(path) }, `opening pin ${path}`);
  return new OwnedFd(ret);
}
