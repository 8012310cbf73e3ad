/**
 * Loading an object with tsbpf's own loader, for the kernel-load tests whose first choice is
 * bpftool: the installed bpftool's libbpf (1.1) predates some libbpf section names (uprobe.multi,
 * libbpf 1.3), and refuses such an object before the kernel sees it ("failed to guess program type
 * from ELF section"). The kernel's verifier is still the judge: the programs are loaded with the
 * program and attach types tsbpf resolves from the same libbpf section table, then unloaded.
 */
import { readBpfObject } from "../../core/object/index.ts";
import { loadObject } from "../../runtime/loader/index.ts";

/** bpftool's error when its libbpf does not know a section name. */
export const UNKNOWN_TO_BPFTOOL = /failed to guess program type from ELF section/;

/** Loads every program of `bytes` with tsbpf's loader: "" on success, else the error message. */
export function loadWithOwnLoader(bytes: Uint8Array): string {
  try {
    loadObject(readBpfObject(bytes), {}).close();
    return "";
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
