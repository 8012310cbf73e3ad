/**
 * The live-kernel loader: bpf(2) through koffi, with no libbpf or bpftool at run time.
 * This file is the public surface; everything else in runtime/loader is internal.
 */
export { KernelError, LoaderError, VerifierError } from "./errors.ts";
export { OwnedFd, FdScope, type Closable } from "./fd.ts";
export { createMap, isPerCpuMap, sanitizeName, KernelMap, type MapSpec } from "./map.ts";
export {
  AttachType,
  BpfCmd,
  MapFlag,
  MapType,
  ProgType,
  UpdateFlag,
  XdpFlag,
} from "./sys/constants.ts";
export { possibleCpus } from "./sys/cpus.ts";
export {
  loadProgram,
  enableRunStats,
  KernelProgram,
  type LoadOptions,
  type ProgramBtfInfo,
  type ProgramSpec,
} from "./program.ts";
export { parseVerifierLog, annotateVerifierLog, type VerifierLogFacts } from "./verifier-log.ts";
export {
  testRun,
  type RunnableProgram,
  type TestRunInput,
  type TestRunResult,
} from "./test-run.ts";
export { loadBtf, BtfLoadError, KernelBtf } from "./btf-load.ts";
export { kernelHasDeclTags, sanitizeBtf, withoutDeclTags } from "./btf-sanitize.ts";
export {
  pinObject,
  openPinned,
  pinnedByName,
  DEFAULT_PIN_ROOT,
  LIBBPF_PIN_BY_NAME,
} from "./pin.ts";
export {
  programInfo,
  mapInfo,
  linkInfo,
  listProgramIds,
  listMapIds,
  listLinkIds,
  type ProgramInfo,
  type MapInfo,
  type LinkInfo,
} from "./info.ts";
export {
  ATTACH_HOOKS,
  attachBySection,
  hookForSection,
  KernelLink,
  attachTracepoint,
  attachRawTracepoint,
  attachTracing,
  attachIter,
  iterTargetId,
  readIterator,
  attachKprobeMulti,
  attachUprobeMulti,
  globPattern,
  matchBinaryFunctions,
  attachUsdt,
  parseUsdtTarget,
  attachXdp,
  resolveInterface,
  attachPerfEvent,
  PERF_EVENTS,
  attachKprobe,
  kprobePmu,
  attachKsyscall,
  syscallWrapper,
  attachUprobe,
  parseUprobeTarget,
  resolveBinaryPath,
  resolveUprobe,
  uprobePmu,
  attachTcx,
  attachNetkit,
  parseTcDirection,
  attachSocketFilter,
  attachReuseport,
  SocketFilterLink,
  attachCgroup,
  cgroupV2Mounts,
  defaultCgroup,
  attachNetfilter,
  attachNetns,
  attachSockMap,
  CURRENT_NETNS,
  NF_HOOK,
  NFPROTO,
  type NetfilterOptions,
  type TcDirection,
  type UprobeTarget,
  type AttachHook,
  type AttachOptions,
  type AttachableProgram,
  type PerfEventOptions,
  type XdpMode,
} from "./attach/index.ts";
export { kernelFuncId, kernelTracepointTypeId, vmlinuxBtf } from "./kernel-btf.ts";
export { parseUsdtArg, readUsdtProbes, type UsdtArg, type UsdtProbe } from "./usdt-notes.ts";
export {
  loadObject,
  LoadedObject,
  type LoadedProgram,
  type ObjectLoadOptions,
} from "./object-loader.ts";
export { freplaceTargetId, programBtf } from "./freplace-target.ts";
export {
  readBinaryImage,
  resolveSymbolOffset,
  fileOffsetOf,
  type BinaryImage,
  type BinarySymbol,
  type LoadSegment,
} from "./elf-symbols.ts";
export { linkProgram, type LinkedPiece, type LinkedProgram } from "./link-program.ts";
export { defaultUsdtCookies, kernelHasAttachCookie } from "./usdt-mode.ts";
