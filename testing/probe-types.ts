/**
 * The types of a probe as its tests see them, read from the probe file itself: a test names the
 * module type (`typeof import("./probe.ts")`) and every exported map and program of the stdlib
 * kinds gives its own key, value and record types. Nothing is generated.
 *
 * The stdlib's integer types are aliases of `number`, so values arrive as numbers (a 64-bit value
 * beyond 2^53 arrives as a bigint, see `Out`); `CharArray<N>` as the string before its first NUL,
 * addresses as their text, other arrays as arrays; structs as plain objects.
 *
 * Types only: nothing here runs.
 */
import type {
  ArrayOfMaps,
  BpfMap,
  FixedArray,
  HashOfMaps,
  KeyedMap,
  PerfEventArray,
  PerCpuArray,
  PerCpuHash,
  Program,
  RingBuf,
} from "tsbpf";

/** The module type of a probe file (`typeof import("./probe.ts")`), or any record when untyped. */
export type ProbeModule = object;

/** Members the stdlib declares only to mark a type (never present on a value). */
type Marker = `__tsbpf${string}`;

/**
 * A decoded key, value or record of type `T` (what reads return). `CharArray<N>` arrives as the
 * string before its first NUL, and the address types (`Ipv4Addr`, `Ipv6Addr`, marked by the stdlib
 * with optional `__tsbpf*` members no value has) as their text (`10.0.0.2`, `2001:db8::1`).
 */
export type Out<T> = T extends number
  ? "__tsbpfIpv4" extends keyof T
    ? string
    : number
  : T extends boolean
    ? boolean
    : T extends bigint
      ? bigint
      : T extends FixedArray<infer E, number>
        ? "__tsbpfText" extends keyof T
          ? string
          : "__tsbpfIpv6" extends keyof T
            ? string
            : Out<E>[]
        : T extends object
          ? { -readonly [F in keyof T as F extends Marker ? never : F]: Out<T[F]> }
          : unknown;

/**
 * A key or value of type `T` as writes accept it (partial structs: missing fields are zero); an
 * address as its text or its number in network byte order.
 */
export type In<T> = T extends number
  ? "__tsbpfIpv4" extends keyof T
    ? string | number
    : number | bigint
  : T extends boolean
    ? boolean | number
    : T extends bigint
      ? bigint | number
      : T extends FixedArray<infer E, number>
        ? string | readonly In<E>[] | Uint8Array
        : T extends object
          ? { readonly [F in keyof T as F extends Marker ? never : F]?: In<T[F]> }
          : never;

/** Names of the exported keyed maps (hash, array and their variants) of module `M`. */
export type MapNames<M> = {
  [K in keyof M]: M[K] extends KeyedMap<any, any> ? K : never;
}[keyof M] &
  string;

/** Key type of exported map `N`. */
export type MapKey<M, N extends keyof M> = M[N] extends KeyedMap<infer K, any> ? K : never;
/** Value type of exported map `N`. */
export type MapValue<M, N extends keyof M> = M[N] extends KeyedMap<any, infer V> ? V : never;
/** True for the per-CPU kinds (values exist once per CPU). */
export type IsPerCpu<T> = T extends PerCpuHash<any, any> | PerCpuArray<any> ? true : false;

/** Names of the exported maps of maps (ArrayOfMaps, HashOfMaps) of module `M`. */
export type MapOfMapsNames<M> = {
  [K in keyof M]: M[K] extends ArrayOfMaps<any> | HashOfMaps<any, any> ? K : never;
}[keyof M] &
  string;
/** Key type of exported map of maps `N` (an ArrayOfMaps' slot index is a u32). */
export type OuterKey<M, N extends keyof M> =
  M[N] extends HashOfMaps<infer K, any> ? K : M[N] extends ArrayOfMaps<any> ? number : never;
/** Names of the exported maps of the inner class of map of maps `N`. */
export type InnerMapNames<M, N extends keyof M> = {
  [K in keyof M]: M[N] extends ArrayOfMaps<infer I> | HashOfMaps<any, infer I>
    ? M[K] extends I & BpfMap
      ? K
      : never
    : never;
}[keyof M] &
  string;

/** Names of the exported ring buffers and perf event arrays of module `M`. */
export type EventNames<M> = {
  [K in keyof M]: M[K] extends RingBuf<any> | PerfEventArray<any> ? K : never;
}[keyof M] &
  string;

/** Record type of exported ring buffer or perf event array `N`. */
export type EventRecord<M, N extends keyof M> =
  M[N] extends RingBuf<infer T> ? T : M[N] extends PerfEventArray<infer T> ? T : never;

/** Names of the exported programs of module `M`. */
export type ProgramNames<M> = {
  [K in keyof M]: M[K] extends Program ? K : never;
}[keyof M] &
  string;
