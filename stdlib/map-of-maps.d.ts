/**
 * Maps of maps: an outer map whose values are maps of one inner kind, swapped by user space while
 * programs run (per-tenant tables, double-buffered rule sets). A program's `lookup` yields the inner
 * map itself, null when the slot is empty; test it, then use it like any map of its class.
 */
import type { BpfMap, MapOptions, u32 } from "./index.js";

/** The inner map template: the capacity and flags every map the outer map holds has. */
export interface InnerMapOptions {
  readonly maxEntries: number;
  /** e.g. BPF_F_INNER_MAP: inner arrays may then differ in maxEntries from the template. */
  readonly flags?: number;
}

/** Options of a map of maps whose inner maps are of class M. */
export interface MapOfMapsOptions<M> extends MapOptions {
  /**
   * The inner map template (libbpf's `__array(values, struct inner)`): with M's kind, key and
   * value, what the kernel checks every stored map against.
   */
  readonly inner: InnerMapOptions;
  /**
   * Maps of this file the slots hold at load time (libbpf's `.values`; slot i is key i, so a
   * HashOfMaps needs a u32 key): each must match the template (kind, key, value, flags; an
   * ArrayMap's maxEntries too unless the template has BPF_F_INNER_MAP).
   */
  readonly values?: readonly (M | null)[];
}

/**
 * BPF_MAP_TYPE_ARRAY_OF_MAPS: slot (u32 index < maxEntries) → a map of class M, e.g.
 * `new ArrayOfMaps<ArrayMap<u64>>({ maxEntries: 4, inner: { maxEntries: 16 }, values: [a, b] })`.
 */
export declare class ArrayOfMaps<M extends BpfMap> {
  constructor(options: MapOfMapsOptions<M>);
  /** The map in slot `index`, or null when the slot is empty (bpf_map_lookup_elem). */
  lookup(index: u32): M | null;
}

/** BPF_MAP_TYPE_HASH_OF_MAPS: key K → a map of class M, as ArrayOfMaps but hashed. */
export declare class HashOfMaps<K, M extends BpfMap> {
  constructor(options: MapOfMapsOptions<M>);
  /** The map stored under `key`, or null (bpf_map_lookup_elem). */
  lookup(key: K): M | null;
}

/** Map flag of an inner map template: arrays of any capacity may be stored (kernel 5.10). */
export declare const BPF_F_INNER_MAP: 0x1000;
