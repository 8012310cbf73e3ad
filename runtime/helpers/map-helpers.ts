/**
 * Map access helpers: bpf_map_lookup_elem, bpf_map_update_elem, bpf_map_delete_elem and
 * bpf_map_lookup_percpu_elem (kernel/bpf/helpers.c).
 *
 * Keys and values are read from VM memory with the map's key/value size (a pointer to too few bytes
 * is a VmError, as the verifier would reject it); results are the map's own: a value address or NULL,
 * 0 or a negative errno. Per-CPU maps act on the current CPU's value.
 */
import type { HelperImpl } from "./types.ts";
import { errno, mapArg, numArg } from "./types.ts";
import { Errno } from "../maps/index.ts";

/** The map helpers. */
export const MAP_HELPERS: readonly HelperImpl[] = [
  {
    name: "map_lookup_elem",
    fn(call, env) {
      const m = mapArg(call, env, 1, "map_lookup_elem");
      return m.lookupAddress(call.memory.read(call.args[1], m.spec.keySize));
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
  },
  {
    name: "map_delete_elem",
    fn(call, env) {
      const m = mapArg(call, env, 1, "map_delete_elem");
      return BigInt(m.delete(call.memory.read(call.args[1], m.spec.keySize)));
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
];
