/**
 * Map kinds whose elements have no keys: Queue (FIFO) and Stack (LIFO), which programs push to and
 * pop from, and BloomFilter, a probabilistic set of values.
 */
import type { MapOptions, Ref, i64 } from "./index.js";

/** A map of elements without keys: Queue (FIFO) and Stack (LIFO). */
export interface ElementMap<V> {
  /**
   * Adds `value` (bpf_map_push_elem); returns 0 or -errno (-E2BIG when full). With flags BPF_EXIST
   * a full map drops its oldest element to make room.
   */
  push(value: V, flags?: number): i64;
  /** Removes the next element and returns it, or null when the map is empty (bpf_map_pop_elem). */
  pop(): Ref<V> | null;
  /** The next element without removing it, or null when the map is empty (bpf_map_peek_elem). */
  peek(): Ref<V> | null;
}
/** BPF_MAP_TYPE_QUEUE: first in, first out; `maxEntries` elements of type V, no keys. */
export declare class Queue<V> implements ElementMap<V> {
  constructor(options: MapOptions);
  push(value: V, flags?: number): i64;
  pop(): Ref<V> | null;
  peek(): Ref<V> | null;
}
/** BPF_MAP_TYPE_STACK: last in, first out; `maxEntries` elements of type V, no keys. */
export declare class Stack<V> implements ElementMap<V> {
  constructor(options: MapOptions);
  push(value: V, flags?: number): i64;
  pop(): Ref<V> | null;
  peek(): Ref<V> | null;
}
/**
 * BPF_MAP_TYPE_BLOOM_FILTER: a set that may answer "present" for a value never added (a false
 * positive) but never "absent" for one that was. `maxEntries` sizes it for that many values.
 */
export declare class BloomFilter<V> {
  constructor(options: MapOptions);
  /** Adds `value` to the set (bpf_map_push_elem); returns 0 or -errno. */
  push(value: V, flags?: number): i64;
  /** 0 when `value` may be in the set, -ENOENT when it certainly is not (bpf_map_peek_elem). */
  peek(value: V): i64;
}
