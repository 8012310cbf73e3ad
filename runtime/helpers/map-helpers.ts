/**
 * Map access helpers: bpf_map_lookup_elem, bpf_map_update_elem, bpf_map_delete_elem,
 * bpf_map_lookup_percpu_elem, and bpf_map_push_elem / pop_elem / peek_elem for queues, stacks and
 * bloom filters (kernel/bpf/helpers.c).
 *
 * Keys and values are read from VM memory with the map's key/value size (a pointer to too few bytes
 * is a VmError, as the verifier would reject it); results are the map's own: a value address or NULL,
 * 0 or a negative errno. Per-CPU maps act on the current CPU's value.
 *
 * The first three also have a fast form (int32 register halves, key and value read in place through
 * the maps' `...At` methods, no copies): it declines whenever r1 is not a map with those methods or a
 * pointer would fault, so `fn` reports every error with its exact text.
 */
import type { HelperImpl } from "./types.ts";
import { errno, mapArg, numArg, setResultInt } from "./types.ts";
import { BloomFilterMap } from "../maps/bloom-filter.ts";
import { Errno } from "../maps/index.ts";
import { QueueStackMap } from "../maps/queue-stack.ts";
import { helperError } from "./types.ts";

// Module-local aliases for the fast paths (imported bindings may compile to getter calls).
const setInt = setResultInt;
const EINVAL = Errno.EINVAL;

/** The map helpers. */
export const MAP_HELPERS: readonly HelperImpl[] = [
  {
    name: "map_lookup_elem",
    fn(call, env) {
      const m = mapArg(call, env, 1, "map_lookup_elem");
      return m.lookupAddress(call.memory.read(call.args[1], m.spec.keySize));
    },
    fast(call, env) {
      const a = call.args;
      const m = env.maps.fromHandleHalves(a[0]!, a[1]!);
      if (m === undefined || m.lookupRegionAt === undefined) return false;
      const key = call.bytesAt(a[2]!, a[3]!, m.spec.keySize, false);
      if (key === null) return false;
      // A value's address is its region's base: id << 32, offset 0.
      call.rl = 0;
      call.rh = m.lookupRegionAt(key, call.offset);
      return true;
    },
  },
  {
    name: "map_update_elem",
    fn(call, env) {
      const m = mapArg(call, env, 1, "map_update_elem");
      const key = call.memory.read(call.args[1], m.spec.keySize);
      const value = call.memory.read(call.args[2], m.spec.valueSize);
      const flags = call.args[3];
      if (flags > 0xffffffffn) return errno(Errno.EINVAL);
      return BigInt(m.update(key, value, Number(flags)));
    },
    fast(call, env) {
      const a = call.args;
      const m = env.maps.fromHandleHalves(a[0]!, a[1]!);
      if (m === undefined || m.updateAt === undefined) return false;
      const key = call.bytesAt(a[2]!, a[3]!, m.spec.keySize, false);
      if (key === null) return false;
      const keyOffset = call.offset;
      const value = call.bytesAt(a[4]!, a[5]!, m.spec.valueSize, false);
      if (value === null) return false;
      // flags > U32_MAX is -EINVAL, as in `fn`.
      if (a[7] !== 0) return setInt(call, -EINVAL);
      return setInt(call, m.updateAt(key, keyOffset, value, call.offset, a[6]! >>> 0));
    },
  },
  {
    name: "map_delete_elem",
    fn(call, env) {
      const m = mapArg(call, env, 1, "map_delete_elem");
      return BigInt(m.delete(call.memory.read(call.args[1], m.spec.keySize)));
    },
    fast(call, env) {
      const a = call.args;
      const m = env.maps.fromHandleHalves(a[0]!, a[1]!);
      if (m === undefined || m.deleteAt === undefined) return false;
      const key = call.bytesAt(a[2]!, a[3]!, m.spec.keySize, false);
      if (key === null) return false;
      return setInt(call, m.deleteAt(key, call.offset));
    },
  },
  {
    name: "map_lookup_percpu_elem",
    fn(call, env) {
      const m = mapArg(call, env, 1, "map_lookup_percpu_elem");
      const cpu = numArg(call, 3);
      if (!m.perCpu || cpu >= env.cpus.count) return 0n;
      const key = call.memory.read(call.args[1], m.spec.keySize);
      const saved = env.cpus.current;
      env.cpus.current = cpu;
      try {
        return m.lookupAddress(key);
      } finally {
        env.cpus.current = saved;
      }
    },
  },
  {
    name: "map_push_elem",
    fn(call, env) {
      const m = pushable(call, env, "map_push_elem");
      const flags = call.args[2];
      if (flags > 0xffffffffn) return errno(Errno.EINVAL);
      return BigInt(m.push(call.memory.read(call.args[1], m.spec.valueSize), Number(flags)));
    },
  },
  {
    name: "map_pop_elem",
    fn(call, env) {
      const m = pushable(call, env, "map_pop_elem");
      if (!(m instanceof QueueStackMap))
        throw helperError(
          "map_pop_elem",
          `map ${m.spec.name} is a ${m.kind}, not a queue or stack`,
        );
      call.memory.resolve(call.args[1], m.spec.valueSize, true);
      const v = m.pop();
      if (!v) return errno(Errno.ENOENT);
      call.memory.write(call.args[1], v);
      return 0n;
    },
  },
  {
    name: "map_peek_elem",
    fn(call, env) {
      const m = pushable(call, env, "map_peek_elem");
      if (m instanceof BloomFilterMap)
        return BigInt(m.peek(call.memory.read(call.args[1], m.spec.valueSize)));
      call.memory.resolve(call.args[1], m.spec.valueSize, true);
      const v = m.peek();
      if (!v) return errno(Errno.ENOENT);
      call.memory.write(call.args[1], v);
      return 0n;
    },
  },
];

/** The queue, stack or bloom filter in r1 (the verifier allows these helpers on nothing else). */
function pushable(
  call: Parameters<HelperImpl["fn"]>[0],
  env: Parameters<HelperImpl["fn"]>[1],
  helper: string,
): QueueStackMap | BloomFilterMap {
  const m = mapArg(call, env, 1, helper);
  if (m instanceof QueueStackMap || m instanceof BloomFilterMap) return m;
  throw helperError(
    helper,
    `map ${m.spec.name} is a ${m.kind}, not a queue, stack or bloom filter`,
  );
}
