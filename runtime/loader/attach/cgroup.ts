/**
 * Cgroup programs (cgroup_skb, cgroup/sock_create, cgroup/connect4, ..., sockops, cgroup/sysctl,
 * cgroup/dev) attached with BPF_LINK_CREATE to a cgroup v2 directory: the target fd is the open
 * directory, the attach type the program's expected attach type (libbpf's section table). The link
 * detaches when closed; it runs for every process in that cgroup and its descendants.
 *
 * The default cgroup is the root of the cgroup v2 hierarchy, wherever it is mounted (/sys/fs/cgroup
 * on a unified system, /sys/fs/cgroup/unified on a hybrid one), read from /proc/self/mounts. A path
 * outside every cgroup2 mount is a LoaderError naming the mounts, not the kernel's bare EBADF.
 */
import { closeSync, openSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { ATTACH_TYPE_RECORDS } from "../../../core/kernel/index.ts";
import { KernelError, LoaderError } from "../errors.ts";
import { OwnedFd } from "../fd.ts";
import { tryBpf } from "../sys/bpf.ts";
import { BpfCmd } from "../sys/constants.ts";
import { ERRNO } from "../sys/errno.ts";
import { LINK_CREATE } from "../sys/layouts.ts";
import { KernelLink } from "./link.ts";
import type { AttachableProgram } from "./perf-link.ts";

/** The mount points of cgroup2 file systems, from /proc/self/mounts (octal escapes decoded). */
export function cgroupV2Mounts(mounts = "/proc/self/mounts"): string[] {
  let text: string;
  try {
    text = readFileSync(mounts, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .map((l) => l.split(" "))
    .filter((f) => f[2] === "cgroup2" && f[1] !== undefined)
    .map((f) =>
      f[1]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))),
    );
}

/** The root of the cgroup v2 hierarchy (the first cgroup2 mount), or a LoaderError without one. */
export function defaultCgroup(): string {
  const root = cgroupV2Mounts()[0];
  if (root === undefined)
    throw new LoaderError(
      "no cgroup v2 hierarchy is mounted (no cgroup2 line in /proc/self/mounts); mount one " +
        "(mount -t cgroup2 none /sys/fs/cgroup) or pass the cgroup directory",
    );
  return root;
}

/** The attach type's name without `BPF_` (`CGROUP_INET4_CONNECT`), for messages. */
export const attachName = (id: number) =>
  ATTACH_TYPE_RECORDS.find((r) => r.id === id)?.type ?? `attach type ${id}`;

/** Attaches a cgroup program to the cgroup v2 directory `path` (default: the hierarchy's root). */
export function attachCgroup(prog: AttachableProgram, path?: string): KernelLink {
  const dir = resolve(path ?? defaultCgroup());
  const mounts = cgroupV2Mounts();
  const inside = mounts.some((m) => dir === m || dir.startsWith(m.endsWith("/") ? m : m + "/"));
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new LoaderError(`cgroup ${dir} does not exist`);
  }
  if (!isDir || !inside) {
    throw new LoaderError(
      `${dir} is not a cgroup v2 directory (cgroup2 is mounted at ${mounts.join(", ") || "no path"}); ` +
        "cgroup programs attach to a cgroup v2 directory",
    );
  }
  const what = `attaching ${prog.name} (${attachName(prog.expectedAttachType)}) to cgroup ${dir}`;
  const fd = openSync(dir, "r");
  try {
    const r = tryBpf(BpfCmd.LINK_CREATE, LINK_CREATE, {
      prog_fd: prog.fd,
      target_fd: fd,
      attach_type: prog.expectedAttachType,
      flags: 0,
    });
    if (r.errno !== 0) {
      const hint =
        r.errno === ERRNO.EINVAL
          ? "the kernel refused this program / attach type pair for a cgroup link"
          : undefined;
      throw new KernelError("BPF_LINK_CREATE", r.errno, what, hint);
    }
    return new KernelLink(`cgroup_${attachName(prog.expectedAttachType).toLowerCase()}`, dir, [
      new OwnedFd(r.ret),
    ]);
  } finally {
    closeSync(fd);
  }
}
