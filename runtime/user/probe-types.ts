/**
 * The types of a probe as user space sees them, read from the probe file itself: a program names
 * the probe's module type (`typeof import("./probe.ts")`), and every exported map of the stdlib
 * kinds gives its own key, value and record types. Nothing is generated.
 *
 * What a read returns for a probe type `T` (`Out<T>`), as probe-session.ts converts it:
 * - integers → number (the stdlib's integer types are aliases of `number`; a 64-bit value beyond
 *   2^53 is rounded);
 * - `CharArray<N>` → the string before its first NUL; `Ipv4Addr` / `Ipv6Addr` → address text
 *   (`10.0.0.2`, `2001:db8::1`): the stdlib marks these types with optional `__tsbpf*` members
 *   that no value has, so they stay assignable to and from plain numbers / arrays;
 * - other `FixedArray<E, N>` → an array of `Out<E>`; bool → boolean; structs → plain objects.
 *
 * Types only: nothing here runs.
 */
import type {
  FixedArray,
  KeyedMap,
  PerCpuArray,
  PerCpuHash,
  PerfEventArray,
  RingBuf,
  UserRingBuf,
} from "tsbpf";

/** Members the stdlib declares only to mark a type (never present on a value). */
type Marker = `__tsbpf${string}`;

/** A decoded key, value or record of probe type `T`. */
export type Out<T> = T extends boolean
  ? boolean
  : T extends number
    ? "__tsbpfIpv4" extends keyof T
      ? string
      : number
    : T extends FixedArray<infer E, number>
      ? "__tsbpfText" extends keyof T
        ? string
        : "__tsbpfIpv6" extends keyof T
          ? string
          : Out<E>[]
      : T extends object
        ? { -readonly [F in keyof T as F extends Marker ? never : F]: Out<T[F]> }
        : unknown;

/** A key or value of probe type `T` as writes accept it (struct fields left out are zero). */
export type In<T> = T extends boolean
  ? boolean
  : T extends number
    ? "__tsbpfIpv4" extends keyof T
      ? string | number
      : number | bigint
    : T extends FixedArray<infer E, number>
      ? "__tsbpfText" extends keyof T
        ? string
        : "__tsbpfIpv6" extends keyof T
          ? string
          : readonly In<E>[]
      : T extends object
        ? { readonly [F in keyof T as F extends Marker ? never : F]?: In<T[F]> }
        : never;

/** Names of the exported keyed maps (hash, array and their variants) of probe module `M`. */
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

/** Names of the exported ring buffers and perf event arrays of probe module `M`. */
export type EventNames<M> = {
  [K in keyof M]: M[K] extends RingBuf<any> | PerfEventArray<any> ? K : never;
}[keyof M] &
  string;

/** Record type of exported ring buffer or perf event array `N`. */
export type EventRecord<M, N extends keyof M> =
  M[N] extends RingBuf<infer T> ? T : M[N] extends PerfEventArray<infer T> ? T : never;

/** Names of the exported user ring buffers (the probe's inputs) of probe module `M`. */
export type InputNames<M> = {
  [K in keyof M]: M[K] extends UserRingBuf<any> ? (M[K] extends RingBuf<any> ? never : K) : never;
}[keyof M] &
  string;

/** Sample type of exported user ring buffer `N`. */
export type InputSample<M, N extends keyof M> = M[N] extends UserRingBuf<infer T> ? T : never;
