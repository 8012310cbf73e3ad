/**
 * BPF_MAP_TYPE_QUEUE and BPF_MAP_TYPE_STACK (kernel/bpf/queue_stack_maps.c): keyless maps of
 * `max_entries` values, pushed with bpf_map_push_elem and taken with bpf_map_pop_elem (removing) or
 * bpf_map_peek_elem; a queue gives the oldest value, a stack the newest.
 *
 * Semantics, as the kernel's: key size 0, positive value size and max_entries; push flags are 0 or
 * BPF_EXIST (anything else -EINVAL); pushing onto a full map is -E2BIG, or with BPF_EXIST drops the
 * oldest value first; pop and peek of an empty map are -ENOENT. User space (bpf(2)) sees lookup as
 * peek, lookup-and-delete as pop and update as push; delete is -EINVAL and there are no keys.
 */
import { Errno, MapError, checkSize, type MapSpec, type VmMap } from "./types.ts";

/** BPF_EXIST: push replaces the oldest value when full. */
const BPF_EXIST = 2;

/** A queue or stack. */
export class QueueStackMap implements VmMap {
  readonly perCpu = false;
  /** Oldest first. */
  private readonly values: Uint8Array[] = [];

  constructor(
    readonly spec: MapSpec,
    readonly kind: "queue" | "stack",
  ) {
    if (spec.keySize !== 0 || spec.valueSize <= 0 || spec.maxEntries <= 0)
      throw new MapError(
        `${kind} map ${spec.name}: key size must be 0, value size and max_entries positive`,
      );
  }

  /** Number of values held. */
  get size(): number {
    return this.values.length;
  }

  /** bpf_map_push_elem: 0 or -errno. */
  push(value: Uint8Array, flags: number): number {
    checkSize(this.spec, "value", value, this.spec.valueSize);
    if (flags !== 0 && flags !== BPF_EXIST) return -Errno.EINVAL;
    if (this.values.length >= this.spec.maxEntries) {
      if (flags !== BPF_EXIST) return -Errno.E2BIG;
      this.values.shift();
    }
    this.values.push(value.slice());
    return 0;
  }

  /** The value pop/peek would give, or undefined when empty. */
  private next(): Uint8Array | undefined {
    return this.kind === "queue" ? this.values[0] : this.values.at(-1);
  }

  /** bpf_map_peek_elem: a copy of the next value, or null when empty. */
  peek(): Uint8Array | null {
    return this.next()?.slice() ?? null;
  }

  /** bpf_map_pop_elem: the next value, removed, or null when empty. */
  pop(): Uint8Array | null {
    if (this.values.length === 0) return null;
    return (this.kind === "queue" ? this.values.shift() : this.values.pop())!;
  }

  lookupAddress(): bigint {
    return 0n;
  }

  lookup(key: Uint8Array): Uint8Array | null {
    checkSize(this.spec, "key", key, 0);
    return this.peek();
  }

  lookupAllCpus(key: Uint8Array): Uint8Array[] | null {
    const v = this.lookup(key);
    return v ? [v] : null;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    checkSize(this.spec, "key", key, 0);
    return this.push(value, flags);
  }

  updateAllCpus(key: Uint8Array, values: readonly Uint8Array[], flags: number): number {
    if (values.length !== 1)
      throw new MapError(`map ${this.spec.name}: expected 1 value, got ${values.length}`);
    return this.update(key, values[0]!, flags);
  }

  delete(): number {
    return -Errno.EINVAL;
  }

  keys(): Uint8Array[] {
    return [];
  }

  dispose(): void {
    this.values.length = 0;
  }
}
