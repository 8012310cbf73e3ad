/**
 * Creates VM maps from their definitions and keeps the address → map table helpers need.
 *
 * Consumes `MapSpec`s (kernel BPF_MAP_TYPE_* numbers) and a `MapContext`; produces `VmMap`s, each with
 * a zero-byte "map_handle" region whose address is what a loaded program's `lddw rX, map` holds (the
 * VM's BPF_PSEUDO_MAP_FD). Helpers turn that address back into the map with `fromHandle`.
 *
 * Invariant: a handle region is never read or written (size 0: every access faults); it exists only to
 * give each map a unique, checkable address. An unsupported map type is a `MapError` naming it.
 */
import { mapKindById, type MapKindName, type MapKindRecord } from "../../core/kernel/index.ts";
import type { Region } from "../vm/contract.ts";
import { ArrayMap } from "./array.ts";
import { BloomFilterMap } from "./bloom-filter.ts";
import { CgroupStorageMap } from "./cgroup-storage.ts";
import { HashMap } from "./hash.ts";
import { LocalStorageMap } from "./local-storage.ts";
import { LpmTrieMap } from "./lpm-trie.ts";
import { MapOfMaps, type MapResolver } from "./map-of-maps.ts";
import { QueueStackMap } from "./queue-stack.ts";
import { PerfEventArrayMap } from "./perf-event-array.ts";
import { ProgArrayMap, type ProgramResolver } from "./prog-array.ts";
import { RedirectMap } from "./redirect-map.ts";
import { RingBufMap } from "./ringbuf.ts";
import { SocketMap } from "./socket-map.ts";
import { StackTraceMap } from "./stack-trace.ts";
import { UserRingBufMap } from "./user-ringbuf.ts";
import { MapError, type MapContext, type MapSpec, type VmMap } from "./types.ts";

/** How the VM builds a map of one kind (the kind's record says per-CPU, LRU, ...). */
type MapConstructor = (
  spec: MapSpec,
  ctx: MapContext,
  programs: ProgramResolver,
  kind: MapKindRecord,
  maps: MapResolver,
) => VmMap;

const hash: MapConstructor = (spec, ctx, _, kind) => new HashMap(spec, ctx, kind);
const array: MapConstructor = (spec, ctx, _, kind) => new ArrayMap(spec, ctx, kind.perCpu);
const localStorage: MapConstructor = (spec, ctx, _, kind) =>
  new LocalStorageMap(spec, ctx, kind.kind);
const redirect: MapConstructor = (spec, _, programs, kind) =>
  new RedirectMap(spec, kind.kind, programs);
const mapOfMaps: MapConstructor = (spec, _, __, kind, maps) => {
  if (!spec.inner)
    throw new MapError(`map ${spec.name}: a map of maps needs an inner map template`);
  return new MapOfMaps(spec, kind.kind as "array_of_maps" | "hash_of_maps", spec.inner, maps);
};

/** The map kinds the VM implements, by libbpf kind name (core/kernel map-kinds.ts). */
const VM_MAPS: Partial<Record<MapKindName, MapConstructor>> = {
  array,
  percpu_array: array,
  hash,
  percpu_hash: hash,
  lru_hash: hash,
  lru_percpu_hash: hash,
  ringbuf: (spec, ctx) => new RingBufMap(spec, ctx),
  perf_event_array: (spec, ctx) => new PerfEventArrayMap(spec, ctx),
  prog_array: (spec, _, programs) => new ProgArrayMap(spec, programs),
  stack_trace: (spec) => new StackTraceMap(spec),
  lpm_trie: (spec, ctx) => new LpmTrieMap(spec, ctx),
  queue: (spec) => new QueueStackMap(spec, "queue"),
  stack: (spec) => new QueueStackMap(spec, "stack"),
  bloom_filter: (spec) => new BloomFilterMap(spec),
  devmap: redirect,
  devmap_hash: redirect,
  cpumap: redirect,
  xskmap: redirect,
  sockmap: (spec, _, __, kind) => new SocketMap(spec, kind.kind),
  sockhash: (spec, _, __, kind) => new SocketMap(spec, kind.kind),
  reuseport_sockarray: (spec, _, __, kind) => new SocketMap(spec, kind.kind),
  // u32 → u32 like the redirect arrays; the value is the cgroup id standing for the cgroup's fd.
  cgroup_array: redirect,
  user_ringbuf: (spec) => new UserRingBufMap(spec),
  cgroup_storage: (spec, ctx) => new CgroupStorageMap(spec, ctx, false),
  percpu_cgroup_storage: (spec, ctx) => new CgroupStorageMap(spec, ctx, true),
  sk_storage: localStorage,
  task_storage: localStorage,
  inode_storage: localStorage,
  cgrp_storage: localStorage,
  array_of_maps: mapOfMaps,
  hash_of_maps: mapOfMaps,
  // The ops struct as the object lays it out (data members; function slots zero), in the one
  // entry the kernel's map has. Nothing registers it: the VM runs each member program directly
  // (`program("reno_ssthresh").run({ args: [sk] })`).
  struct_ops: array,
};

/** Map kinds the VM implements (libbpf names). */
export const SUPPORTED_MAP_KINDS: readonly string[] = Object.keys(VM_MAPS);

/**
 * Creates the map a spec describes (`maps` finds the maps a map of maps stores by id). Throws
 * MapError for kinds the VM does not implement.
 */
export function createMap(
  spec: MapSpec,
  ctx: MapContext,
  programs: ProgramResolver,
  maps: MapResolver = () => undefined,
): VmMap {
  const kind = mapKindById(spec.type);
  const make = kind && VM_MAPS[kind.kind as MapKindName];
  if (!make)
    throw new MapError(
      `map ${spec.name}: type ${kind?.kind ?? spec.type} is not supported by the VM ` +
        `(supported: ${SUPPORTED_MAP_KINDS.join(", ")})`,
    );
  return make(spec, ctx, programs, kind, maps);
}

/** The maps of one VM address space, reachable by name and by handle address. */
export class MapRegistry {
  /** Maps by the region id of their handle (ids are small and dense: an array, not a Map). */
  private readonly byRegionId: (VmMap | undefined)[] = [];
  private readonly handles = new Map<VmMap, Region>();
  private readonly byName = new Map<string, VmMap>();

  constructor(private readonly ctx: MapContext) {}

  /** Registers a map and maps its handle region; returns the handle address. */
  add(map: VmMap): bigint {
    const region = this.ctx.memory.map(new Uint8Array(0), {
      writable: false,
      kind: "map_handle",
      name: `map ${map.spec.name} (handle)`,
    });
    this.byRegionId[region.id] = map;
    this.handles.set(map, region);
    this.byName.set(map.spec.name, map);
    return region.base;
  }

  /** The handle address of a registered map. */
  handleOf(map: VmMap): bigint {
    const r = this.handles.get(map);
    if (!r) throw new MapError(`map ${map.spec.name} is not registered`);
    return r.base;
  }

  /** The map whose handle is at `addr`, or undefined when `addr` is not a map handle. */
  fromHandle(addr: bigint): VmMap | undefined {
    const a = BigInt.asUintN(64, addr);
    if ((a & 0xffffffffn) !== 0n) return undefined;
    return this.byRegionId[Number(a >> 32n)];
  }

  /** `fromHandle` for an address given as int32 halves (the helpers' allocation-free fast path). */
  fromHandleHalves(lo: number, hi: number): VmMap | undefined {
    return lo === 0 ? this.byRegionId[hi >>> 0] : undefined;
  }

  /**
   * The map user space names by `id` (the VM's stand-in for a map fd or id, as maps of maps store
   * and return it: its handle region's id), with its handle, or undefined.
   */
  byId(id: number): { id: number; map: VmMap; handle: bigint } | undefined {
    const map = this.byRegionId[id];
    return map ? { id, map, handle: this.handleOf(map) } : undefined;
  }

  /** The id `byId` knows a registered map by. */
  idOf(map: VmMap): number {
    return Number(this.handleOf(map) >> 32n);
  }

  /** A map by name. */
  get(name: string): VmMap | undefined {
    return this.byName.get(name);
  }

  /** All maps in registration order. */
  all(): VmMap[] {
    return [...this.byName.values()];
  }

  /** Disposes every map and unmaps the handles. */
  dispose(): void {
    for (const [map, region] of this.handles) {
      map.dispose();
      this.ctx.memory.unmap(region);
    }
    this.byRegionId.length = 0;
    this.handles.clear();
    this.byName.clear();
  }
}
