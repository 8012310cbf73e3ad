/**
 * VM maps with kernel semantics: the public surface of runtime/maps.
 */
export * from "./types.ts";
export * from "./array.ts";
export * from "./hash.ts";
export * from "./record-stream-map.ts";
export * from "./ringbuf.ts";
export * from "./perf-event-array.ts";
export * from "./prog-array.ts";
export * from "./map-of-maps.ts";
export * from "./user-ringbuf.ts";
export * from "./cgroup-storage.ts";
export * from "./local-storage.ts";
export * from "./stack-trace.ts";
export { jhash, jhash2 } from "./jhash.ts";
export * from "./registry.ts";
