/**
 * Maps pinned by name (`pinning: "byName"`, libbpf's LIBBPF_PIN_BY_NAME) on the live kernel: the
 * first load pins the map at `<pin root>/<name>` (default /sys/fs/bpf), a second load of the same
 * object reuses it (one map, the program runs of both count into it, and it outlives both objects),
 * and an object declaring the name with another shape is a LoaderError naming the difference.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import {
  LoaderError,
  loadObject,
  mapInfo,
  openPinned,
  testRun,
} from "../../runtime/loader/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("maps pinned by name");
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

async function build(mapName: string, maxEntries: number): Promise<Uint8Array> {
  const src = `import { HashMap, atomicAdd, xdp, XDP_PASS, type u32, type u64 } from "tsbpf";
export const ${mapName} = new HashMap<u32, u64>({ maxEntries: ${maxEntries}, pinning: "byName" });
export const count = xdp(() => {
  const c = ${mapName}.lookup(0);
  if (c !== null) atomicAdd(c.value, 1);
  else ${mapName}.update(0, 1);
  return XDP_PASS;
});
export const license = "GPL";
`;
  const out = await compileSource(src, "pin.ts", { check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return out.object!;
}

const hits = (obj: ReturnType<typeof loadObject>, name: string) => {
  const v = obj.map(name).lookup(u32(0));
  return v ? new DataView(v.buffer, v.byteOffset).getBigUint64(0, true) : 0n;
};

describe.runIf(run)("pinning by name on the live kernel", () => {
  const root = `/sys/fs/bpf/tsbpf-pin-${process.pid}`;
  const defaultName = `tsbpf_pin_${process.pid}`;
  beforeAll(() => mkdirSync(root));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    if (existsSync(`/sys/fs/bpf/${defaultName}`)) unlinkSync(`/sys/fs/bpf/${defaultName}`);
  });

  it("pins on the first load, reuses the pin on the next, and the map outlives both objects", async () => {
    const bytes = await build("shared", 8);
    const frame = new Uint8Array(64);
    const a = loadObject(bytes, { pinRoot: root });
    expect(readdirSync(root)).toEqual(["shared"]);
    testRun(a.program("count"), { data: frame });
    testRun(a.program("count"), { data: frame });
    const b = loadObject(bytes, { pinRoot: root });
    expect(mapInfo(b.map("shared").fd).id).toBe(mapInfo(a.map("shared").fd).id);
    testRun(b.program("count"), { data: frame });
    expect(hits(a, "shared")).toBe(3n);
    a.close();
    b.close();
    const pinned = openPinned(join(root, "shared"));
    expect(mapInfo(pinned.fd).maxEntries).toBe(8);
    pinned.close();
    const c = loadObject(bytes, { pinRoot: root });
    expect(hits(c, "shared")).toBe(3n);
    c.close();
  });

  it("refuses a pinned map of another shape, naming the difference", async () => {
    const other = await build("shared", 16);
    expect(() => loadObject(other, { pinRoot: root })).toThrow(LoaderError);
    expect(() => loadObject(other, { pinRoot: root })).toThrow(
      `map "shared": the map pinned at ${root}/shared is not compatible: maxEntries 8 (this object: 16); remove the pin (rm ${root}/shared) or rename the map`,
    );
  });

  it("pins under /sys/fs/bpf by default", async () => {
    const obj = loadObject(await build(defaultName, 4));
    expect(existsSync(`/sys/fs/bpf/${defaultName}`)).toBe(true);
    obj.close();
  });
});
