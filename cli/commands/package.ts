/**
 * `tsbpf package <probe.ts|obj.o> -o DIR`: writes a bytecode image for bpfman as an OCI image
 * layout (fleet/oci-layout.ts): one layer with the object at its root, config labels
 * `io.ebpf.programs` / `io.ebpf.maps` read from the object (fleet/bpfman.ts). Push it with
 * `skopeo copy oci:DIR:TAG docker://REGISTRY/NAME:TAG`. `--manifest [url]` also prints a
 * ClusterBpfApplication for the programs on stdout.
 *
 * The same input gives the same bytes (the object is what `tsbpf build` writes; the image is
 * reproducible). Mistakes (no programs, a type bpfman cannot load, a bad tag, an unwritable or
 * occupied output folder) are one line and exit 1, and nothing is written.
 */
import { basename, extname } from "node:path";
import type { Command } from "commander";
import { readBpfObject } from "../../core/object/index.ts";
import {
  buildImage,
  bpfmanPrograms,
  clusterBpfApplicationYaml,
  imageLabels,
  imageSize,
  ociArchitecture,
  OciLayoutError,
  PackageError,
  writeImageLayout,
} from "../../fleet/index.ts";
import { objectBytes } from "../object-input.ts";

interface PackageFlags {
  output?: string;
  tag: string;
  arch?: string;
  manifest?: string | boolean;
}

/** Registers `tsbpf package`. */
export function registerPackage(program: Command): void {
  program
    .command("package")
    .description("write a bpfman bytecode image (OCI image layout) for a probe or object")
    .argument("<input>", "TypeScript probe (.ts) or BPF object file (.o)")
    .requiredOption("-o, --output <dir>", "OCI image layout folder to write")
    .option("-t, --tag <tag>", "image tag, recorded in index.json", "latest")
    .option("--arch <goarch>", "image architecture (default: this machine's, e.g. amd64)")
    .option(
      "--manifest [url]",
      "also print a bpfman ClusterBpfApplication manifest (image url default: <name>:<tag>)",
    )
    .action(async (input: string, o: PackageFlags) => {
      try {
        const t0 = performance.now();
        const bytes = await objectBytes(input, (m) => new PackageError(m));
        const obj = readBpfObject(bytes);
        const name = basename(input, extname(input));
        const labels = imageLabels(obj, input);
        const image = buildImage({
          fileName: `${name}.o`,
          data: bytes,
          labels,
          tag: o.tag,
          architecture: o.arch ?? ociArchitecture(),
        });
        writeImageLayout(o.output!, image);
        const ms = Math.round(performance.now() - t0);
        process.stderr.write(
          `packaged ${name}.o as ${o.output}:${o.tag} (${imageSize(image)} bytes, ` +
            `${obj.programs.length} program${obj.programs.length === 1 ? "" : "s"}, ${ms} ms); ` +
            `push with: skopeo copy oci:${o.output}:${o.tag} docker://REGISTRY/${name}:${o.tag}\n`,
        );
        if (o.manifest !== undefined) {
          const url = typeof o.manifest === "string" ? o.manifest : `${name}:${o.tag}`;
          process.stdout.write(
            clusterBpfApplicationYaml(bpfmanPrograms(obj), { name, imageUrl: url }),
          );
        }
      } catch (e) {
        if (!(e instanceof PackageError) && !(e instanceof OciLayoutError)) throw e;
        process.stderr.write(`tsbpf package: ${e.message}\n`);
        process.exitCode = 1;
      }
    });
}
