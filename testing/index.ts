/**
 * `tsbpf/test`: testing probes. A plain list of re-exports (one line per module), so entries added
 * by different work merge cleanly.
 */
export * from "./compile-probe.ts";
export * from "./golden.ts";
export * from "./golden-file.ts";
export * from "./listing.ts";
export * from "./matcher.ts";
