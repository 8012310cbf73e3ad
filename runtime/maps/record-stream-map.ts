/**
 * The base of the maps that programs only send records through (BPF_MAP_TYPE_RINGBUF,
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY): they have no elements a program or the test API can look up,
 * update, delete or list, so every element operation gives the same answer.
 *
 * Consumes nothing; subclasses provide `kind`, `spec`, the errno element writes return and
 * `dispose`. Lookups find nothing (address 0n, null), `keys()` is empty, and updates and deletes
 * return the subclass's errno, negated: -ENOTSUPP for a ring buffer, as the kernel's
 * `ringbuf_map_update_elem` answers (kernel/bpf/ringbuf.c), and -EINVAL for a perf event array,
 * whose elements are perf event fds that the VM has none of.
 */
import type { MapSpec, VmMap } from "./types.ts";

/** A map with no element access: records leave through its own API (`drain()` and the like). */
export abstract class RecordStreamMap implements VmMap {
  abstract readonly kind: string;
  abstract readonly spec: MapSpec;
  readonly perCpu = false;
  /** The (positive) errno that update, updateAllCpus and delete return negated. */
  protected abstract readonly elementErrno: number;

  lookupAddress(): bigint {
    return 0n;
  }
  lookup(): Uint8Array | null {
    return null;
  }
  lookupAllCpus(): Uint8Array[] | null {
    return null;
  }
  update(): number {
    return -this.elementErrno;
  }
  updateAllCpus(): number {
    return -this.elementErrno;
  }
  delete(): number {
    return -this.elementErrno;
  }
  keys(): Uint8Array[] {
    return [];
  }
  abstract dispose(): void;
}
