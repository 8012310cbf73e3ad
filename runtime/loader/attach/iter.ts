/**
 * BPF iterators (SEC("iter/<target>"), BPF_PROG_TYPE_TRACING with BPF_TRACE_ITER): the program is
 * loaded against the kernel's `bpf_iter_<target>` BTF function, attached with BPF_LINK_CREATE (no
 * hook fires it), and each BPF_ITER_CREATE on the link opens a file whose reads run the program
 * over the target's objects and return what it printed (kernel/bpf/bpf_iter.c, bpf_iter_link_attach
 * and bpf_iter_new_fd; `bpftool iter pin` does the same and pins the link instead).
 *
 * Consumes a loaded program; produces the link and, on demand, the iterator's whole output.
 */
import { closeSync, readSync } from "node:fs";
import { LoaderError } from "../errors.ts";
import { OwnedFd } from "../fd.ts";
import { vmlinuxBtf, VMLINUX_BTF } from "../kernel-btf.ts";
import { bpf } from "../sys/bpf.ts";
import { AttachType, BpfCmd } from "../sys/constants.ts";
import { ITER_CREATE, LINK_CREATE } from "../sys/layouts.ts";
import { KernelLink } from "./link.ts";
import type { AttachableProgram } from "./perf-link.ts";

/** The vmlinux BTF id of `bpf_iter_<target>`, the function an iterator program is loaded for. */
export function iterTargetId(target: string): number {
  const id = vmlinuxBtf().find("func", `bpf_iter_${target}`);
  if (id === undefined) {
    throw new LoaderError(
      `this kernel has no BPF iterator "${target}" (no function bpf_iter_${target} in ${VMLINUX_BTF}; ` +
        "targets include task, task_file, task_vma, bpf_map, bpf_map_elem, tcp, udp, unix, ipv6_route)",
    );
  }
  return id;
}

/** Attaches an iterator program: a BPF link that BPF_ITER_CREATE opens iterators on. */
export function attachIter(prog: AttachableProgram, target: string): KernelLink {
  const { ret } = bpf(
    BpfCmd.LINK_CREATE,
    LINK_CREATE,
    { prog_fd: prog.fd, attach_type: AttachType.TRACE_ITER },
    `attaching iterator "${prog.name}" (iter/${target})`,
  );
  return new KernelLink("iter", target, [new OwnedFd(ret)]);
}

/**
 * Runs an iterator once: opens a new iterator on the link and reads it to the end. Every call is a
 * fresh walk over the target's objects.
 */
export function readIterator(link: KernelLink): Uint8Array {
  if (link.kind !== "iter") throw new LoaderError(`a ${link.kind} link is not an iterator`);
  const { ret: fd } = bpf(
    BpfCmd.ITER_CREATE,
    ITER_CREATE,
    { link_fd: link.links[0]!.fd },
    `opening iterator iter/${link.target}`,
  );
  const chunks: Buffer[] = [];
  try {
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
  } catch (e) {
    throw new LoaderError(
      `reading iterator iter/${link.target}: ${(e as Error).message} (the program's seqPrintf/seqWrite failed, or it returned 1 to stop)`,
    );
  } finally {
    closeSync(fd);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
