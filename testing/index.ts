/**
 * `tsbpf/test`: testing probes. A plain list of re-exports (one line per module), so entries added
 * by different work merge cleanly.
 */
export * from "./compile-probe.ts";
export * from "./golden.ts";
export * from "./golden-file.ts";
export * from "./listing.ts";
export * from "./matcher.ts";
export * from "./probe.ts";
export { packetSocketInput, type RedirectTarget } from "../runtime/vm/packet.ts";
export type { SocketRedirect } from "../runtime/helpers/socket-redirect.ts";
export type * from "./probe-types.ts";
export * from "./probe-build.ts";
export * from "./probe-skip.ts";
export * from "./packets/index.ts";
export * from "./context.ts";
export * from "./coverage.ts";
export * from "./coverage-lcov.ts";
export * from "./coverage-setup.ts";
export * from "./property.ts";
export * from "../runtime/vm/kernel-heap.ts";
export type { IterElement } from "../runtime/vm/iter.ts";
export { hostTasks, hostTcpSockets } from "../runtime/vm/iter-host.ts";
