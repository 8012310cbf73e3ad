/**
 * BPF helper implementations for the VM: the public surface of runtime/helpers.
 */
export * from "./env.ts";
export * from "./types.ts";
export * from "./printk.ts";
export * from "./registry.ts";
export { MAP_HELPERS } from "./map-helpers.ts";
export { PROCESS_HELPERS } from "./process-helpers.ts";
export { PROBE_READ_HELPERS } from "./probe-read.ts";
export { OUTPUT_HELPERS } from "./output-helpers.ts";
export { STACK_HELPERS, walkStack } from "./stack-helpers.ts";
