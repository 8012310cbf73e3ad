/**
 * The libbpf-shaped object model and its ELF reader/writer. Public surface of core/object.
 */
export * from "./model.ts";
export * from "./errors.ts";
export { readBpfObject } from "./read.ts";
export {
  decodeBtfMap,
  internalMapName,
  isGlobalDataSection,
  objectNameOf,
  readMaps,
  type LocatedMap,
} from "./maps.ts";
export * from "./spec.ts";
export { writeBpfObject, functionOffsets } from "./write.ts";
export { linkProgram, type DataReloc, type LinkedPiece, type LinkedProgram } from "./link.ts";
export { buildObjectBtf, type ObjectBtf, type PlacedFunction } from "./write-btf.ts";
export { objectToSpec } from "./from-object.ts";
export {
  formatObject,
  formatProgram,
  programRows,
  relocText,
  type ListingRow,
  type ObjdumpOptions,
} from "./listing.ts";
export * from "./map-facts.ts";
