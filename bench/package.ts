/**
 * `npm run bench:package`: what `tsbpf package` costs per example: object size, image size (all
 * blobs plus index.json and oci-layout) and compressed layer size, the in-process packaging time
 * (labels + OCI image + atomic write, from the built object; median of RUNS) and the wall time of a
 * whole `node bin/tsbpf.js package examples/<tool>.ts` (compile included; median of CLI_RUNS).
 * Examples bpfman cannot load (socket filters, perf events) are listed with the refusal.
 *
 * Not a test: it prints a table and exits 0 whatever it finds. Timings on a shared machine are
 * noisy; compare within one run.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileSource } from "../compiler/driver.ts";
import { readBpfObject } from "../core/object/index.ts";
import {
  buildImage,
  imageLabels,
  imageSize,
  ociArchitecture,
  PackageError,
  writeImageLayout,
} from "../fleet/index.ts";
import { median } from "./codegen/stats.ts";

const ROOT = join(import.meta.dirname, "..");
const RUNS = 20;
const CLI_RUNS = 3;
const only = process.argv.slice(2);
const examples = readdirSync(join(ROOT, "examples"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3))
  .filter((n) => only.length === 0 || only.includes(n))
  .sort();

const refused: string[] = [];
const dir = mkdtempSync(join(tmpdir(), "tsbpf-bench-package-"));
const rows: string[][] = [["example", "object B", "image B", "layer B", "package ms", "CLI ms"]];
try {
  for (const name of examples) {
    const src = readFileSync(join(ROOT, "examples", `${name}.ts`), "utf8");
    const out = await compileSource(src, `${name}.ts`, { emit: "obj" });
    const bytes = out.object!;
    const pack = () => {
      const labels = imageLabels(readBpfObject(bytes), name);
      const image = buildImage({
        fileName: `${name}.o`,
        data: bytes,
        labels,
        tag: "latest",
        architecture: ociArchitecture(),
      });
      writeImageLayout(join(dir, name), image);
      return image;
    };
    let image;
    try {
      image = pack();
    } catch (e) {
      if (!(e instanceof PackageError)) throw e;
      refused.push(`${name}: refused, ${e.message.split(";")[0]}`);
      continue;
    }
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      pack();
      times.push(performance.now() - t0);
    }
    const cli: number[] = [];
    for (let i = 0; i < CLI_RUNS; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [
        join(ROOT, "bin/tsbpf.js"),
        "package",
        join(ROOT, "examples", `${name}.ts`),
        "-o",
        join(dir, `${name}-cli`),
      ]);
      if (r.status !== 0) throw new Error(`tsbpf package ${name}: ${r.stderr.toString()}`);
      cli.push(performance.now() - t0);
    }
    rows.push([
      name,
      String(bytes.length),
      String(imageSize(image)),
      String(image.layer.bytes.length),
      median(times)!.toFixed(2),
      median(cli)!.toFixed(0),
    ]);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) {
  console.log(
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}
for (const line of refused) console.log(line);
