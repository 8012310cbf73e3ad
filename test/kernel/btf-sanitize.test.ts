/**
 * BTF sanitising before BPF_BTF_LOAD (runtime/loader/btf-sanitize.ts): the decl-tag probe answers
 * for this kernel, and the sanitised BTF of a tagged tsbpf object (what an older kernel gets) keeps
 * every type id and still loads.
 */
import { readFileSync } from "node:fs";
import { release } from "node:os";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { encodeBtf } from "../../core/btf/index.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { kernelHasDeclTags, loadBtf, withoutDeclTags } from "../../runtime/loader/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("BTF sanitising tests");

async function runqlatBtf() {
  const source = readFileSync(new URL("../../examples/runqlat.ts", import.meta.url), "utf8");
  const r = await compileSource(source, "examples/runqlat.ts", { emit: "obj" });
  return readBpfObject(r.object!).btf!;
}

describe("withoutDeclTags", () => {
  it("replaces each decl tag by an unnamed 1-byte INT, keeping every id", async () => {
    const btf = await runqlatBtf();
    const tags = btf.types.flatMap((t, id) => (t.kind === "decl_tag" ? [id] : []));
    expect(tags.length).toBe(2); // tsbpf.hist on `start` (none) and `histogram` (log2)
    const clean = withoutDeclTags(btf);
    expect(clean.types.length).toBe(btf.types.length);
    for (const id of tags)
      expect(clean.types[id]).toMatchObject({ kind: "int", name: "", size: 1 });
    clean.types.forEach((t, id) => {
      if (!tags.includes(id)) expect(t).toBe(btf.types[id]);
    });
  });
});

describe.runIf(run)("decl tags on the live kernel", () => {
  it("the probe answers as the kernel version says (decl tags since 5.16)", () => {
    const [major, minor] = release().split(".").map(Number) as [number, number];
    expect(kernelHasDeclTags()).toBe(major > 5 || (major === 5 && minor >= 16));
  });
  it("both the tagged and the sanitised BTF load", async () => {
    const btf = await runqlatBtf();
    if (kernelHasDeclTags()) loadBtf(encodeBtf(btf)).close();
    loadBtf(encodeBtf(withoutDeclTags(btf))).close();
  });
});
