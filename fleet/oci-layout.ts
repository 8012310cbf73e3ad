/**
 * OCI image layouts (image-spec v1.1, `image-layout.md`): a folder holding `oci-layout`,
 * `index.json` and content-addressed `blobs/sha256/<hex>`, the form `skopeo copy oci:DIR ...`
 * pushes to a registry. `buildImage` makes the image of one file in one layer; `writeImageLayout`
 * puts it on disk.
 *
 * Consumes the file (name and bytes), config labels, a tag and a platform; produces the blobs
 * (layer: gzip of a ustar archive with the file at its root; config with `config.Labels`,
 * `rootfs.diff_ids`; manifest) and the two top-level documents.
 *
 * Invariants:
 * - reproducible: the same inputs give the same bytes (fixed `created` time, tar headers fixed by
 *   tar.ts, gzip with mtime 0 and a fixed OS byte, JSON in a fixed member order, labels sorted);
 * - all or nothing on disk: everything is written to a fresh temporary folder beside the target
 *   and renamed into place, so a failure leaves no half-written layout; an existing layout at the
 *   target is replaced, any other non-empty folder is refused.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { writeTar } from "./tar.ts";

/** Media types of the image-spec. */
export const MEDIA_TYPES = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

/** `created` of the config: the epoch, as reproducible builders (ko, bazel, nix) write. */
export const FIXED_CREATED = "1970-01-01T00:00:00Z";

/** Annotation naming a manifest's tag in `index.json`. */
export const REF_NAME = "org.opencontainers.image.ref.name";

/** What goes into the image. */
export interface ImageSpec {
  /** Name of the one file at the layer root (`probe.o`). */
  readonly fileName: string;
  readonly data: Uint8Array;
  /** Config labels (`config.Labels`). */
  readonly labels: Readonly<Record<string, string>>;
  /** Tag (`latest`): OCI reference grammar `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`. */
  readonly tag: string;
  /** GOARCH spelling (`amd64`, `arm64`). */
  readonly architecture: string;
}

/** One content-addressed blob. */
export interface OciBlob {
  readonly mediaType: string;
  /** `sha256:<hex>`. */
  readonly digest: string;
  readonly bytes: Uint8Array;
}

/** An image ready to be written: its blobs and the layout's top-level files. */
export interface OciImage {
  readonly layer: OciBlob;
  readonly config: OciBlob;
  readonly manifest: OciBlob;
  /** `index.json` bytes. */
  readonly index: Uint8Array;
  /** `oci-layout` bytes. */
  readonly ociLayout: Uint8Array;
}

/** A bad tag, or a target the layout cannot be written to. */
export class OciLayoutError extends Error {
  override name = "OciLayoutError";
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** True when `tag` is a valid OCI tag. */
export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

const NODE_TO_GOARCH: Readonly<Record<string, string>> = {
  x64: "amd64",
  ia32: "386",
  arm64: "arm64",
  arm: "arm",
  ppc64: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loong64",
};

/** The image-spec (GOARCH) architecture for a Node `process.arch`. */
export function ociArchitecture(nodeArch: string = process.arch): string {
  return NODE_TO_GOARCH[nodeArch] ?? nodeArch;
}

const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

function blob(mediaType: string, bytes: Uint8Array): OciBlob {
  return { mediaType, bytes, digest: sha256(bytes) };
}

/** `sha256:<hex>` of bytes. */
export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

const descriptor = (b: OciBlob) => ({
  mediaType: b.mediaType,
  digest: b.digest,
  size: b.bytes.length,
});

/** gzip with the header's OS byte fixed to 3 (Unix), so the bytes do not depend on the host. */
function gzip(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(gzipSync(data, { level: 9 }));
  out[9] = 3;
  return out;
}

/** The image of `spec`: one layer with the file at its root, labels in the config. */
export function buildImage(spec: ImageSpec): OciImage {
  if (!isValidTag(spec.tag)) {
    throw new OciLayoutError(
      `'${spec.tag}' is not a valid image tag (letters, digits, '_', '.', '-'; at most 128, not starting with '.' or '-')`,
    );
  }
  const tar = writeTar([{ name: spec.fileName, data: spec.data }]);
  const layer = blob(MEDIA_TYPES.layer, gzip(tar));
  const labels = Object.fromEntries(
    Object.entries(spec.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const config = blob(
    MEDIA_TYPES.config,
    json({
      created: FIXED_CREATED,
      architecture: spec.architecture,
      os: "linux",
      config: { Labels: labels },
      rootfs: { type: "layers", diff_ids: [sha256(tar)] },
      history: [{ created: FIXED_CREATED, created_by: `tsbpf package ${spec.fileName}` }],
    }),
  );
  const manifest = blob(
    MEDIA_TYPES.manifest,
    json({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config: descriptor(config),
      layers: [descriptor(layer)],
    }),
  );
  const index = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: [
      {
        ...descriptor(manifest),
        platform: { architecture: spec.architecture, os: "linux" },
        annotations: { [REF_NAME]: spec.tag },
      },
    ],
  });
  return { layer, config, manifest, index, ociLayout: json({ imageLayoutVersion: "1.0.0" }) };
}

/** Total bytes of the layout on disk (blobs and top-level files). */
export function imageSize(image: OciImage): number {
  return (
    image.layer.bytes.length +
    image.config.bytes.length +
    image.manifest.bytes.length +
    image.index.length +
    image.ociLayout.length
  );
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: "no such directory",
  ENOTDIR: "a parent is not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EEXIST: "already exists",
};

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? "";
  return ERRNO_TEXT[code] ?? (code || String(e));
}

/** Refuses a target that exists and is neither an empty folder nor an OCI layout. */
function checkTarget(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) {
    throw new OciLayoutError(`cannot write ${dir}: it exists and is not a directory`);
  }
  if (readdirSync(dir).length > 0 && !existsSync(join(dir, "oci-layout"))) {
    throw new OciLayoutError(
      `cannot write ${dir}: the folder is not empty and is not an OCI image layout; refusing to replace it`,
    );
  }
}

/**
 * Writes `image` as an OCI image layout at `dir`, all or nothing (see the file header). Throws
 * `OciLayoutError` naming the reason when it cannot.
 */
export function writeImageLayout(dir: string, image: OciImage): void {
  const target = resolve(dir);
  checkTarget(target);
  let tmp: string;
  try {
    tmp = mkdtempSync(join(dirname(target), `.${basename(target)}.tmp-`));
  } catch (e) {
    throw new OciLayoutError(`cannot write ${dir}: ${reason(e)}`);
  }
  let old: string | undefined;
  try {
    const blobs = join(tmp, "blobs", "sha256");
    mkdirSync(blobs, { recursive: true });
    for (const b of [image.layer, image.config, image.manifest]) {
      writeFileSync(join(blobs, b.digest.slice("sha256:".length)), b.bytes);
    }
    writeFileSync(join(tmp, "index.json"), image.index);
    writeFileSync(join(tmp, "oci-layout"), image.ociLayout);
    if (existsSync(target)) {
      old = `${tmp}.old`;
      renameSync(target, old);
    }
    renameSync(tmp, target);
  } catch (e) {
    if (old !== undefined && !existsSync(target)) renameSync(old, target);
    rmSync(tmp, { recursive: true, force: true });
    throw new OciLayoutError(`cannot write ${dir}: ${reason(e)}`);
  }
  if (old !== undefined) rmSync(old, { recursive: true, force: true });
}
