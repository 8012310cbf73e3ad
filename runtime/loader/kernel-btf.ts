/**
 * Attach targets in the running kernel's BTF (/sys/kernel/btf/vmlinux): `FUNC` ids for
 * fentry/fexit/fmod_ret/lsm, and the `btf_trace_<tp>` TYPEDEF ids for tp_btf programs.
 *
 * Reads through core/btf's lazy reader (`LazyBtf`, shared with the compiler's kernel prototypes):
 * one indexing pass over vmlinux's ~126k types, cached per process, then a byte search of the
 * string section per name (`npm run bench:btf` prints the figures).
 *
 * Consumes the BTF file; produces type ids or a `LoaderError` naming what is missing.
 */
import { BtfError, type LazyBtf } from "../../core/btf/index.ts";
import { openBtfFile } from "../../core/btf/file.ts";
import { LoaderError } from "./errors.ts";

/** Path of the running kernel's BTF. */
export const VMLINUX_BTF = "/sys/kernel/btf/vmlinux";

/** The (cached) lazy reader of the running kernel's BTF. */
export function vmlinuxBtf(): LazyBtf {
  try {
    return openBtfFile(VMLINUX_BTF);
  } catch (e) {
    if (e instanceof BtfError) throw new LoaderError(`${VMLINUX_BTF}: ${e.message}`);
    throw new LoaderError(
      `cannot read ${VMLINUX_BTF}: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF), which fentry/fexit/tp_btf need`,
    );
  }
}

/** The vmlinux BTF id of kernel function `name`, or a LoaderError naming the function. */
export function kernelFuncId(name: string): number {
  const id = vmlinuxBtf().find("func", name);
  if (id === undefined) {
    throw new LoaderError(
      `kernel function "${name}" is not in ${VMLINUX_BTF} (misspelled, inlined, or not traceable)`,
    );
  }
  return id;
}

/** The vmlinux BTF id of `btf_trace_<tracepoint>` for a tp_btf program. */
export function kernelTracepointTypeId(tracepoint: string): number {
  const id = vmlinuxBtf().find("typedef", `btf_trace_${tracepoint}`);
  if (id === undefined) {
    throw new LoaderError(`kernel has no BTF-enabled raw tracepoint "${tracepoint}"`);
  }
  return id;
}
