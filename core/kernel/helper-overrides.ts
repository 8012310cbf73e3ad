/**
 * Hand-written facts per helper that the headers do not carry, keyed by helper name (without
 * `bpf_`). Read by the stdlib generator (scripts/gen-kernel-tables.ts: the TS declaration), the front
 * end (how a call is lowered) and the memory model (which buffers a helper reads or fully writes).
 * Everything else about a helper comes from the generated records (helper-records.ts).
 *
 * A helper of an existing shape needs no row here: its declaration and lowering follow from its
 * prototype. A row is needed only where tsbpf offers a richer form than the prototype (a typed
 * `Ref<V>` for a map lookup), or where the kernel's `bpf_func_proto` differs from the header's C
 * types (an output buffer the header does not mark `const`).
 */

/** A stdlib lowering that replaces the one derived from the prototype. */
export type HelperLowering =
  /** The call is the map method `method` on its first argument (`mapLookupElem(m, k)` = `m.lookup(k)`). */
  | { readonly kind: "method"; readonly method: string }
  /** A dedicated front-end lowering (compiler/frontend/lower-call.ts `BUILTIN_LOWERINGS`). */
  | { readonly kind: "builtin"; readonly builtin: string };

/**
 * One parameter of a helper's callback, as the kernel passes it (the callback prototype is in the
 * header's description only, e.g. `long (*callback_fn)(u64 index, void *ctx)` for bpf_loop):
 * `index` a u64, `map` the map the helper walks (or the timer's map), `key` / `value` pointers to
 * one of its elements, `ctx` the helper's `callback_ctx`, `kptr` a kernel object pointer.
 */
export type CallbackArg = "index" | "map" | "key" | "value" | "ctx" | { readonly kptr: string };

/** Facts about one helper. */
export interface HelperOverride {
  /** The TS declaration, the text after `export declare function ` (name included). */
  readonly ts?: string;
  readonly lowering?: HelperLowering;
  /**
   * Pointer arguments (C positions) the helper only reads although the header does not say `const`
   * (the kernel's proto has ARG_PTR_TO_MEM | MEM_RDONLY).
   */
  readonly readOnlyArgs?: readonly number[];
  /**
   * The output buffer and its size argument (C positions) when the helper writes every byte of it
   * whatever happens (it zeroes the buffer on failure), on every kernel tsbpf targets:
   * kernel/trace/bpf_trace.c bpf_probe_read_{kernel,user} (memset on a fault), net/core/filter.c
   * bpf_skb_load_bytes (memset on error). Not the `_str` variants, which leave the bytes after the
   * string alone, and not bpf_get_current_comm: recent kernels pad it (6.18 does), but 6.1 copies
   * only up to the NUL (test/guest/tracing.test.ts saw stack garbage after it), so a `zeroed()`
   * record's comm must keep its zero stores.
   */
  readonly fullWrite?: { readonly buffer: number; readonly size: number };
  /**
   * The parameters of the helper's `callback_fn` (kernel/bpf/helpers.c, bpf_iter.c, task_iter.c,
   * ringbuf.c: the arguments each helper passes its callback). A helper with a callback and this
   * row takes a TS function there, lowered to a BPF callback subprogram.
   */
  readonly callback?: readonly CallbackArg[];
}

const probeRead = (dst: string): HelperOverride => ({
  ts: `${dst}<T>(dst: T, src: u64): i64`,
  lowering: { kind: "builtin", builtin: "probeRead" },
  fullWrite: { buffer: 0, size: 1 },
});
const probeReadStr = (dst: string): HelperOverride => ({
  ts: `${dst}<N extends number>(dst: CharArray<N>, src: u64): i64`,
  lowering: { kind: "builtin", builtin: "probeReadStr" },
});

/** The overrides, by helper name. */
export const HELPER_OVERRIDES: Readonly<Record<string, HelperOverride>> = {
  map_lookup_elem: {
    ts: "mapLookupElem<K, V>(map: KeyedMap<K, V>, key: K): Ref<V> | null",
    lowering: { kind: "method", method: "lookup" },
  },
  map_update_elem: {
    ts: "mapUpdateElem<K, V>(map: KeyedMap<K, V>, key: K, value: V, flags?: u64): i64",
    lowering: { kind: "method", method: "update" },
  },
  map_delete_elem: {
    ts: "mapDeleteElem<K, V>(map: KeyedMap<K, V>, key: K): i64",
    lowering: { kind: "method", method: "delete" },
  },
  ringbuf_reserve: {
    ts: "ringbufReserve<T>(ringbuf: RingBuf<T>): Ref<T> | null",
    lowering: { kind: "method", method: "reserve" },
  },
  trace_printk: {
    ts: "tracePrintk(format: string, a?: number, b?: number, c?: number): i64",
    lowering: { kind: "builtin", builtin: "printk" },
  },
  get_current_comm: { ts: "getCurrentComm(buf: CharArray<16>): i64" },
  probe_read: { fullWrite: { buffer: 0, size: 1 } },
  probe_read_kernel: probeRead("probeReadKernel"),
  probe_read_user: probeRead("probeReadUser"),
  probe_read_kernel_str: probeReadStr("probeReadKernelStr"),
  probe_read_user_str: probeReadStr("probeReadUserStr"),
  skb_load_bytes: { fullWrite: { buffer: 2, size: 3 } },
  perf_event_output: { readOnlyArgs: [3] },
  spin_lock: { ts: "spinLock(lock: SpinLock): i64" },
  spin_unlock: { ts: "spinUnlock(lock: SpinLock): i64" },
  timer_init: { ts: "timerInit<K, V>(timer: BpfTimer, map: KeyedMap<K, V>, flags: u64): i64" },
  timer_start: { ts: "timerStart(timer: BpfTimer, nsecs: u64, flags: u64): i64" },
  timer_cancel: { ts: "timerCancel(timer: BpfTimer): i64" },
  loop: {
    ts: "loop<C = never>(nr_loops: u32, callback_fn: (index: u64, ctx: Ref<C>) => number, callback_ctx: C | null, flags?: u64): i64",
    callback: ["index", "ctx"],
  },
  for_each_map_elem: {
    ts: "forEachMapElem<K, V, C = never>(map: KeyedMap<K, V>, callback_fn: (map: KeyedMap<K, V>, key: Ref<K>, value: Ref<V>, ctx: Ref<C>) => number, callback_ctx: C | null, flags?: u64): i64",
    callback: ["map", "key", "value", "ctx"],
  },
  find_vma: {
    ts: 'findVma<C = never>(task: KernelPtr<"task_struct">, addr: u64, callback_fn: (task: KernelPtr<"task_struct">, vma: KernelPtr<"vm_area_struct">, ctx: Ref<C>) => number, callback_ctx: C | null, flags?: u64): i64',
    callback: [{ kptr: "task_struct" }, { kptr: "vm_area_struct" }, "ctx"],
  },
  user_ringbuf_drain: {
    ts: 'userRingbufDrain<T, C = never>(map: UserRingBuf<T>, callback_fn: (dynptr: KernelPtr<"bpf_dynptr">, ctx: Ref<C>) => number, ctx: C | null, flags?: u64): i64',
    callback: [{ kptr: "bpf_dynptr" }, "ctx"],
  },
  timer_set_callback: {
    ts: "timerSetCallback<K, V>(timer: BpfTimer, callback_fn: (map: u64, key: Ref<K>, value: Ref<V>) => number): i64",
    callback: ["map", "key", "value"],
  },
  ringbuf_output: { readOnlyArgs: [1] },
  // BPF iterators' output (stdlib/tracing.d.ts): the seq_file is the iterator's ctx (or
  // ctx.meta.seq); seqPrintf's format is checked and its arguments packed into the u64 array.
  seq_printf: {
    ts: "seqPrintf(seq: SeqFile, format: string, ...args: unknown[]): i64",
    lowering: { kind: "builtin", builtin: "seqPrintf" },
  },
  seq_write: {
    ts: "seqWrite<T>(seq: SeqFile, data: T): i64",
    lowering: { kind: "builtin", builtin: "seqWrite" },
    readOnlyArgs: [1],
  },
};
