/**
 * Pinning objects in bpffs (BPF_OBJ_PIN) and opening pinned ones (BPF_OBJ_GET), so maps and links
 * outlive this process. Consumes an fd and a path under a bpffs mount; produces an `OwnedFd`.
 */
import { existsSync } from "node:fs";
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

/** libbpf's `enum libbpf_pin_type`: a map definition's `pinning` member. */
export const LIBBPF_PIN_BY_NAME = 1;
/** Where libbpf pins maps by name unless told otherwise (its `pin_root_path` open option). */
export const DEFAULT_PIN_ROOT = "/sys/fs/bpf";

/** What a pinned map must share with its definition to be reused (libbpf `map_is_reuse_compat`). */
export interface PinnedMapShape {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
}

/**
 * A map pinned by name: the map already pinned at `<root>/<name>` when it is compatible (same type,
 * key and value sizes, max_entries and flags; `reused` true), else a LoaderError naming each
 * difference; without a pin, `create()`'s map, pinned there (`reused` false).
 */
export function pinnedByName<M extends { readonly fd: number; close(): void }>(
  shape: PinnedMapShape,
  root: string,
  create: () => M,
  adopt: (fd: OwnedFd) => M,
  info: (fd: number) => Omit<PinnedMapShape, "name">,
): { map: M; reused: boolean; path: string } {
  const path = `${root.replace(/\/+$/, "")}/${shape.name}`;
  if (existsSync(path)) {
    const fd = openPinned(path);
    const have = info(fd.fd);
    const diffs = (["type", "keySize", "valueSize", "maxEntries", "flags"] as const)
      .filter((k) => have[k] !== shape[k])
      .map((k) => `${k} ${have[k]} (this object: ${shape[k]})`);
    if (diffs.length > 0) {
      fd.close();
      throw new LoaderError(
        `map "${shape.name}": the map pinned at ${path} is not compatible: ${diffs.join(", ")}; ` +
          `remove the pin (rm ${path}) or rename the map`,
      );
    }
    return { map: adopt(fd), reused: true, path };
  }
  const map = create();
  try {
    pinObject(map.fd, path);
  } catch (e) {
    map.close();
    throw e;
  }
  return { map, reused: false, path };
}
