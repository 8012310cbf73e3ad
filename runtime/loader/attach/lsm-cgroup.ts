/**
 * SEC("lsm_cgroup/<hook>") programs (BPF_PROG_TYPE_LSM, BPF_LSM_CGROUP): loaded against
 * `bpf_lsm_<hook>` like lsm programs, attached with BPF_LINK_CREATE to a cgroup v2 directory so
 * the hook runs for that cgroup's tasks only (kernel/bpf/cgroup.c, cgroup_bpf_link_attach; Linux
 * 6.0). The cgroup defaults to the root of the unified hierarchy.
 */
import { closeSync, openSync, constants } from "node:fs";
import { LoaderError } from "../errors.ts";
import { OwnedFd } from "../fd.ts";
import { bpf } from "../sys/bpf.ts";
import { AttachType, BpfCmd } from "../sys/constants.ts";
import { LINK_CREATE } from "../sys/layouts.ts";
import { KernelLink } from "./link.ts";
import type { AttachableProgram } from "./perf-link.ts";

/** Where cgroup v2 is mounted on systemd systems, the default cgroup. */
export const CGROUP_ROOT = "/sys/fs/cgroup";

/** Attaches an lsm_cgroup program to the cgroup directory `cgroup`. */
export function attachLsmCgroup(
  prog: AttachableProgram,
  hook: string,
  cgroup: string = CGROUP_ROOT,
): KernelLink {
  let fd: number;
  try {
    fd = openSync(cgroup, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (e) {
    throw new LoaderError(
      `lsm_cgroup/${hook}: cannot open cgroup ${cgroup}: ${(e as Error).message}`,
    );
  }
  try {
    const { ret } = bpf(
      BpfCmd.LINK_CREATE,
      LINK_CREATE,
      { prog_fd: prog.fd, target_fd: fd, attach_type: AttachType.LSM_CGROUP },
      `attaching lsm_cgroup program "${prog.name}" (hook ${hook}) to cgroup ${cgroup}`,
    );
    return new KernelLink("lsm_cgroup", `${hook} in ${cgroup}`, [new OwnedFd(ret)]);
  } finally {
    closeSync(fd);
  }
}
