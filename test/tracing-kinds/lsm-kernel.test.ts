/**
 * LSM programs on the live kernel: examples/lsm-fileopen.ts (SEC("lsm/file_open")) and an
 * lsm_cgroup hook compile against the kernel's BTF (the hook's arguments typed from
 * `bpf_lsm_<hook>`), and this kernel refuses both at BPF_PROG_LOAD with EPERM before the verifier,
 * as it refuses every BPF trampoline. The test accepts exactly that refusal: the error names the
 * program type, the attach type and the kernel release, through the API and `tsbpf run`.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { KernelError, loadObject } from "../../runtime/loader/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const ROOT = join(import.meta.dirname, "../..");
const run = kernelReady("LSM program tests");

async function build(source: string, name: string): Promise<Uint8Array> {
  const out = await compileSource(source, name, { emit: "obj", check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return out.object!;
}

/** The error loading `obj` raises (it must raise one). */
function loadError(obj: Uint8Array): KernelError {
  let err: unknown;
  try {
    loadObject(readBpfObject(obj), {}).close();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(KernelError);
  return err as KernelError;
}

const REFUSAL = (prog: string, attach: string) =>
  new RegExp(
    `BPF_PROG_LOAD \\(program "\\w+" at [\\w/.-]+\\.ts:\\d+\\) failed: EPERM: a BPF_PROG_TYPE_${prog} program \\(attach type BPF_${attach}\\) on Linux ${release().replace(/[.+]/g, "\\$&")} is refused even as root, before verification: this kernel does not allow BPF trampolines`,
  );

describe.skipIf(!run)("LSM programs on this kernel", () => {
  it("lsm-fileopen compiles with file_open's typed argument; the load is refused with EPERM", async () => {
    const src = readFileSync(join(ROOT, "examples/lsm-fileopen.ts"), "utf8");
    const obj = await build(src, "examples/lsm-fileopen.ts");
    const p = readBpfObject(obj).programs;
    expect(p.map((x) => x.section)).toEqual(["lsm/file_open"]);
    const err = loadError(obj);
    expect(err.code).toBe("EPERM");
    expect(err.message).toMatch(REFUSAL("LSM", "LSM_MAC"));
  });

  it("tsbpf run reports the same refusal in one line and exits 1", () => {
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, "bin/tsbpf.js"),
        "run",
        "--duration",
        "1",
        join(ROOT, "examples/lsm-fileopen.ts"),
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(REFUSAL("LSM", "LSM_MAC"));
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("lsm_cgroup/socket_bind is refused the same way (attach type BPF_LSM_CGROUP)", async () => {
    const src = `
      import { lsmCgroup } from "tsbpf";
      export const bindGuard = lsmCgroup("socket_bind", (_ctx, sock, address, addrlen) => {
        if (sock === 0 || address === 0 || addrlen < 0) return 0;
        return 1;
      });
      export const license = "GPL";
    `;
    const obj = await build(src, "bind.ts");
    expect(readBpfObject(obj).programs[0]!.section).toBe("lsm_cgroup/socket_bind");
    expect(loadError(obj).message).toMatch(REFUSAL("LSM", "LSM_CGROUP"));
  });
});
