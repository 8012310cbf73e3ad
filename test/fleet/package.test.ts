/**
 * `tsbpf package` end to end with the real tools: skopeo (Debian package skopeo) reads the OCI
 * layout and shows bpfman's labels; `skopeo copy` checks every digest while copying it out; the
 * object in the layer is byte-identical to `tsbpf build`'s and loads on the kernel; the labels
 * agree with each example's programs and maps (checked against bpfman's own reading of section
 * names); the bytes are reproducible; the ClusterBpfApplication manifest has the CRD's fields; and
 * bad input is one line with nothing written.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { mapKindById } from "../../core/kernel/index.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { imageLabels, PackageError } from "../../fleet/index.ts";
import { loadObject } from "../../runtime/loader/index.ts";
import {
  EXAMPLES,
  exampleSource,
  expectOneLine,
  run,
  tsbpf,
  type RunResult,
} from "../build/support.ts";
import { capability, hasCommand } from "../support/env.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbpf-package-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const skopeo = capability(
  "skopeo (Debian package, installed by scripts/setup.sh)",
  hasCommand("skopeo", ["--version"]),
  "tsbpf package images read by skopeo",
);

/** bpfman's own reading of a section name (its loader's prefix rules), as the oracle. */
function bpfmanReads(section: string): string | undefined {
  const rules: [string, string][] = [
    ["kretprobe", "kretprobe"],
    ["kprobe", "kprobe"],
    ["uretprobe", "uretprobe"],
    ["uprobe", "uprobe"],
    ["tracepoint", "tracepoint"],
    ["fentry", "fentry"],
    ["fexit", "fexit"],
    ["xdp", "xdp"],
    ["tcx", "tcx"],
    ["tc", "tc"],
    ["classifier", "tc"],
  ];
  // A prefix names the kind when a hook (`/…`), a sleepable or frags variant, or nothing follows:
  // `uprobe.multi/…` is another attach kind (a multi-link), not a uprobe bpfman could attach.
  const ends = (prefix: string) =>
    section === prefix || /^(\/|\.s\b|\.s\/|\.frags\b)/.test(section.slice(prefix.length));
  return rules.find(([prefix]) => section.startsWith(prefix) && ends(prefix))?.[1];
}

/** Every file of a folder tree, path → bytes. */
function tree(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else out.set(p, readFileSync(join(root, p)));
    }
  };
  walk("");
  return out;
}

function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r;
}

interface Inspect {
  Labels: Record<string, string>;
  Architecture: string;
  Os: string;
  Layers: string[];
  Created: string;
}

const inspect = (layout: string): Inspect =>
  JSON.parse(ok(run("skopeo", ["inspect", `oci:${layout}`])).stdout) as Inspect;

describe.runIf(skopeo)("tsbpf package: the image skopeo sees", () => {
  const built = join(dir, "built");
  mkdirSync(built);
  const obj = join(built, "syscount.o");
  const image = join(dir, "syscount-image");

  it("has bpfman's labels, the platform, a fixed creation time and one layer", () => {
    ok(tsbpf(["build", "examples/syscount.ts", "-o", obj]));
    const r = ok(tsbpf(["package", "examples/syscount.ts", "-o", image, "--tag", "v1"]));
    expect(r.stderr).toMatch(/^packaged syscount\.o as .*:v1 \(\d+ bytes, 1 program, \d+ ms\)/);
    const info = inspect(`${image}:v1`);
    expect(info.Labels).toEqual({
      "io.ebpf.programs": '{"countSyscalls":"tracepoint"}',
      "io.ebpf.maps": '{"byPid":"hash","bySyscall":"hash"}',
    });
    expect(info.Os).toBe("linux");
    expect(info.Architecture).toBe(process.arch === "x64" ? "amd64" : process.arch);
    expect(info.Created).toBe("1970-01-01T00:00:00Z");
    expect(info.Layers).toHaveLength(1);
    expect(readFileSync(join(image, "oci-layout"), "utf8")).toBe('{"imageLayoutVersion":"1.0.0"}');
  });

  it("copies out with every digest checked; its layer holds exactly the built object", () => {
    const copy = join(dir, "copy");
    ok(run("skopeo", ["copy", "--quiet", `oci:${image}:v1`, `dir:${copy}`]));
    const digest = inspect(image).Layers[0]!.slice("sha256:".length);
    const layerTar = gunzipSync(readFileSync(join(copy, digest)));
    const list = spawnSync("tar", ["-tf", "-"], { input: layerTar });
    expect(list.stdout.toString()).toBe("syscount.o\n");
    const member = spawnSync("tar", ["-xOf", "-", "syscount.o"], { input: layerTar });
    expect(Buffer.compare(member.stdout, readFileSync(obj))).toBe(0);
    if (kernelReady("the packaged object loading on the kernel")) {
      const loaded = loadObject(new Uint8Array(member.stdout));
      try {
        expect([...loaded.programs.keys()]).toEqual(["countSyscalls"]);
      } finally {
        loaded.close();
      }
    }
  });

  it("is reproducible: the same source, again or as the built .o, gives the same bytes", () => {
    const again = join(dir, "again");
    const fromObj = join(dir, "from-obj");
    ok(tsbpf(["package", "examples/syscount.ts", "-o", again, "--tag", "v1"]));
    ok(tsbpf(["package", obj, "-o", fromObj, "--tag", "v1"]));
    const want = tree(image);
    expect(want.size).toBe(5); // oci-layout, index.json, 3 blobs
    expect(tree(again)).toEqual(want);
    expect(tree(fromObj)).toEqual(want);
  });

  it("replaces an earlier layout at the same place, atomically", () => {
    ok(tsbpf(["package", "examples/xdp-counter.ts", "-o", image]));
    expect(inspect(image).Labels["io.ebpf.programs"]).toBe('{"countProtocols":"xdp"}');
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("labels every packageable example as bpfman reads its sections and maps", async () => {
    for (const name of EXAMPLES) {
      const out = join(dir, `ex-${name}`);
      const r = tsbpf(["package", `examples/${name}.ts`, "-o", out]);
      const built = await compileSource(exampleSource(name), `${name}.ts`, { emit: "obj" });
      const o = readBpfObject(built.object!);
      const unknown = o.programs.filter((p) => bpfmanReads(p.section) === undefined);
      if (unknown.length > 0) {
        expect(r.code, `${name}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toContain(
          `program "${unknown[0]!.name}" (section "${unknown[0]!.section}")`,
        );
        expect(existsSync(out)).toBe(false);
        continue;
      }
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      const labels = inspect(out).Labels;
      const programs = JSON.parse(labels["io.ebpf.programs"]!) as Record<string, string>;
      expect(programs, name).toEqual(
        Object.fromEntries(o.programs.map((p) => [p.name, bpfmanReads(p.section)])),
      );
      const maps = JSON.parse(labels["io.ebpf.maps"]!) as Record<string, string>;
      const userMaps = o.maps.filter((m) => !m.name.startsWith(".") && !m.globalSection);
      expect(Object.keys(maps).sort(), name).toEqual(userMaps.map((m) => m.name).sort());
      for (const m of userMaps) {
        expect(maps[m.name]).toBe(
          mapKindById(m.type)!.kind.replace(/^(lru_)?percpu_/, "$1per_cpu_"),
        );
      }
    }
  }, 120_000);

  it("spells per-CPU, ring buffer and array maps as bpfman's labels do", async () => {
    const labels = async (name: string) => {
      const out = await compileSource(exampleSource(name), `${name}.ts`, { emit: "obj" });
      return JSON.parse(imageLabels(readBpfObject(out.object!))["io.ebpf.maps"]!) as unknown;
    };
    expect(await labels("xdp-counter")).toEqual({ byProtocol: "per_cpu_array" });
    expect(await labels("execsnoop")).toMatchObject({ events: "ringbuf" });
    expect(await labels("runqlat")).toEqual({ histogram: "array", start: "hash" });
  });
});

describe("tsbpf package --manifest: a ClusterBpfApplication with the CRD's fields", () => {
  const manifest = (name: string, extra: string[] = []) => {
    const r = ok(
      tsbpf([
        "package",
        `examples/${name}.ts`,
        "-o",
        join(dir, `m-${name}`),
        "--manifest",
        ...extra,
      ]),
    );
    return parse(r.stdout) as {
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      spec: {
        nodeSelector: object;
        byteCode: { image: { url: string } };
        programs: Record<string, unknown>[];
      };
    };
  };

  it("tracepoints: one TracePoint entry per program, linked to its group/event", () => {
    const m = manifest("runqlat", ["quay.io/me/runqlat:v2"]);
    expect(m.apiVersion).toBe("bpfman.io/v1alpha1");
    expect(m.kind).toBe("ClusterBpfApplication");
    expect(m.metadata.name).toBe("runqlat");
    expect(m.spec.nodeSelector).toEqual({});
    expect(m.spec.byteCode.image.url).toBe("quay.io/me/runqlat:v2");
    expect(m.spec.programs).toEqual([
      {
        name: "onWakeup",
        type: "TracePoint",
        tracepoint: { links: [{ name: "sched/sched_wakeup" }] },
      },
      {
        name: "onSwitch",
        type: "TracePoint",
        tracepoint: { links: [{ name: "sched/sched_switch" }] },
      },
    ]);
  });

  it("fentry/fexit name the function; uretprobe the binary and symbol; xdp and tc an interface", () => {
    expect(manifest("vfsread-latency").spec.programs).toEqual([
      expect.objectContaining({
        type: "FEntry",
        fentry: { function: "vfs_read", links: [{ mode: "Attach" }] },
      }),
      expect.objectContaining({
        type: "FExit",
        fexit: { function: "vfs_read", links: [{ mode: "Attach" }] },
      }),
    ]);
    expect(manifest("readline").spec.programs[0]).toMatchObject({
      type: "URetProbe",
      uretprobe: { links: [{ target: "/bin/bash", function: "readline", offset: 0 }] },
    });
    const primary = { interfaceSelector: { primaryNodeInterface: true } };
    expect(manifest("xdp-firewall").spec.programs[0]).toMatchObject({
      type: "XDP",
      xdp: { links: [primary] },
    });
    expect(manifest("tc-portcount").spec.programs[0]).toMatchObject({
      type: "TC",
      tc: { links: [{ ...primary, direction: "Ingress" }] },
    });
    expect(manifest("xdp-counter").spec.byteCode.image.url).toBe("xdp-counter:latest");
    expect(manifest("xdp-counter").metadata.name).toBe("xdp-counter");
  });
});

describe("tsbpf package: bad input is one line and nothing is written", () => {
  const nothingNew = (parent: string, before: readonly string[]) =>
    expect(readdirSync(parent).sort()).toEqual([...before].sort());

  it("an object with no programs", () => {
    const before = readdirSync(dir);
    const line = expectOneLine(
      tsbpf(["package", "test/fleet/fixtures/maps-only.ts", "-o", join(dir, "np")]),
    );
    expect(line).toBe(
      "tsbpf package: test/fleet/fixtures/maps-only.ts has no programs: nothing for bpfman to load",
    );
    nothingNew(dir, before);
  });

  it("a program type bpfman does not know (a socket filter)", () => {
    const before = readdirSync(dir);
    const line = expectOneLine(tsbpf(["package", "examples/sockfilter.ts", "-o", join(dir, "sf")]));
    expect(line).toBe(
      'tsbpf package: program "sockfilter" (section "socket") has a type bpfman cannot load; ' +
        "bpfman knows xdp, tc, tcx, tracepoint, kprobe, kretprobe, uprobe, uretprobe, fentry, fexit",
    );
    nothingNew(dir, before);
  });

  it("an unwritable output folder (its parent is a file)", () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const before = readdirSync(dir);
    const line = expectOneLine(tsbpf(["package", "examples/syscount.ts", "-o", join(file, "out")]));
    expect(line).toBe(
      `tsbpf package: cannot write ${join(file, "out")}: a parent is not a directory`,
    );
    nothingNew(dir, before);
  });

  it("a folder that holds something else is not replaced", () => {
    const other = join(dir, "mine");
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, "notes.txt"), "keep me");
    const line = expectOneLine(tsbpf(["package", "examples/syscount.ts", "-o", other]));
    expect(line).toBe(
      `tsbpf package: cannot write ${other}: the folder is not empty and is not an OCI image layout; refusing to replace it`,
    );
    expect(readdirSync(other)).toEqual(["notes.txt"]);
  });

  it("a tag outside the OCI grammar", () => {
    const line = expectOneLine(
      tsbpf(["package", "examples/syscount.ts", "-o", join(dir, "t"), "--tag", "-bad"]),
    );
    expect(line).toMatch(/^tsbpf package: '-bad' is not a valid image tag/);
    expect(existsSync(join(dir, "t"))).toBe(false);
  });

  it("the API says the same as the CLI", () => {
    const empty = { programs: [], subprograms: [], maps: [], license: "GPL", kernelVersion: 0 };
    expect(() => imageLabels(empty as never)).toThrow(PackageError);
  });
});
