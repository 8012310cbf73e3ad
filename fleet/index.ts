/**
 * Running on a fleet: bytecode images for bpfman (OCI image layouts with bpfman's labels, a
 * ClusterBpfApplication manifest). Public surface of fleet/; import from here.
 */
export { writeTar, type TarFile } from "./tar.ts";
export {
  buildImage,
  FIXED_CREATED,
  imageSize,
  isValidTag,
  MEDIA_TYPES,
  ociArchitecture,
  OciLayoutError,
  REF_NAME,
  sha256,
  writeImageLayout,
  type ImageSpec,
  type OciBlob,
  type OciImage,
} from "./oci-layout.ts";
export {
  bpfmanMaps,
  bpfmanPrograms,
  imageLabels,
  MAPS_LABEL,
  PackageError,
  PROGRAMS_LABEL,
  type BpfmanProgram,
} from "./bpfman.ts";
export {
  clusterBpfApplication,
  clusterBpfApplicationYaml,
  manifestName,
  type ManifestOptions,
} from "./bpfman-manifest.ts";
