/**
 * Making an object's BTF acceptable to the running kernel, as libbpf does before BPF_BTF_LOAD
 * (tools/lib/bpf/libbpf.c `bpf_object__sanitize_btf`): kinds the kernel does not know are replaced
 * in place, so every type id (which maps, func_info and line_info refer to) stays the same.
 *
 * Today that is BTF_KIND_DECL_TAG (kernel 5.16+), which tsbpf writes on map variables for user space
 * (core/object/map-facts.ts): on a kernel without it each tag becomes an unnamed 1-byte INT, which
 * nothing references. The kernel is asked once per process by loading a three-type BTF with a tag.
 *
 * Consumes a decoded `Btf`; produces a `Btf` with the same number of types. The probe needs the
 * bpf() syscall; it reports "no support" when BPF_BTF_LOAD refuses the probe blob.
 */
import { BtfBuilder, encodeBtf, type Btf, type BtfType } from "../../core/btf/index.ts";
import { BtfLoadError, loadBtf } from "./btf-load.ts";

let declTags: boolean | undefined;

/** True when the running kernel accepts BTF_KIND_DECL_TAG (probed once, then cached). */
export function kernelHasDeclTags(): boolean {
  if (declTags !== undefined) return declTags;
  const b = new BtfBuilder();
  const int = b.int("int", 4, { signed: true });
  const v = b.var("probe", int);
  b.add({ kind: "decl_tag", name: "tag", type: v, componentIdx: -1 });
  try {
    loadBtf(encodeBtf(b.build())).close();
    declTags = true;
  } catch (e) {
    if (!(e instanceof BtfLoadError)) throw e;
    declTags = false;
  }
  return declTags;
}

/** The unnamed 1-byte INT libbpf puts where a kind the kernel lacks was. */
const PLACEHOLDER: BtfType = { kind: "int", name: "", size: 1, encoding: 0, bitOffset: 0, bits: 8 };

/** `btf` with every DECL_TAG replaced by a placeholder INT (same ids). */
export function withoutDeclTags(btf: Btf): Btf {
  if (!btf.types.some((t) => t.kind === "decl_tag")) return btf;
  return { ...btf, types: btf.types.map((t) => (t.kind === "decl_tag" ? PLACEHOLDER : t)) };
}

/** The object's BTF as the running kernel accepts it. */
export function sanitizeBtf(btf: Btf): Btf {
  return kernelHasDeclTags() ? btf : withoutDeclTags(btf);
}
