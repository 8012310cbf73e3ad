/**
 * User space of live probes: typed map access, ring/perf buffer and printk consumers, and
 * bpftrace-like printing. Public surface of runtime/user; import from here.
 */
export {
  CodecError,
  decodeValue,
  encodeValue,
  type Codec,
  type CodecField,
  type UserValue,
} from "./map-codec.ts";
export { codecForSize, codecFromBtf } from "./codec-from-btf.ts";
export {
  kernelMapSource,
  sumValues,
  TypedMap,
  vmMapSource,
  type RawMapSource,
  type TypedEntry,
} from "./typed-map.ts";
export { RingBufferReader } from "./ring-buffer.ts";
export { UserRingBufferWriter } from "./user-ring-buffer.ts";
export { PerfBufferReader, type PerfSample } from "./perf-buffer.ts";
export { findTracePipe, parsePrintkLine, TracePipeReader, type PrintkLine } from "./trace-pipe.ts";
export { Epoll, NativeError } from "./sys/native.ts";
export { compareValues, formatKey, formatValue, hexBytes, toJson } from "./print/format-value.ts";
export {
  BAR_WIDTH,
  histBuckets,
  linearBucket,
  log2Bucket,
  powerLabel,
  renderHistogram,
  type HistBucket,
} from "./print/histogram.ts";
export {
  classifyMap,
  renderMapJson,
  renderMapText,
  type MapShape,
  type MapSnapshot,
} from "./print/map-report.ts";
export { formatEventJson, formatEventText, lostText } from "./print/event-format.ts";
export {
  applyMapAssignments,
  parseMapAssignment,
  parseUserValue,
  type MapAssignment,
} from "./map-assign.ts";
export { describePacket, PacketSocket, type KeptPacket } from "./packet-socket.ts";
export {
  LiveSession,
  type LiveSessionOptions,
  type SessionCounts,
  type SessionEvent,
} from "./live-session.ts";
export {
  openProbe,
  toProbeValue,
  type ProbeEvents,
  type ProbeFeed,
  type ProbeInput,
  type ProbeMap,
  type ProbeSession,
} from "./probe-session.ts";
export type {
  EventNames,
  EventRecord,
  In,
  IsPerCpu,
  MapKey,
  MapNames,
  MapValue,
  Out,
} from "./probe-types.ts";
export { VmSession, type VmSessionOptions, type VmSessionRun } from "./vm-session.ts";
export {
  decodeRecord,
  isEventMap,
  mapCodecs,
  mapFacts,
  recordCodec,
  recordDecoder,
  usesPrintk,
} from "./object-codecs.ts";
export {
  ExporterError,
  mapFamilies,
  mapsFamilies,
  MetricsServer,
  parseListenAddress,
  processFamilies,
  renderExposition,
  type ListenAddress,
  type MetricFamily,
} from "./metrics/index.ts";
