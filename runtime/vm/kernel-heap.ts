/**
 * Kernel structs for the VM, laid out by a kernel's BTF: a probe that reads kernel memory
 * (`currentTask().real_parent.tgid`, `kernelPtr("sock", ...)`, CO-RE reads relocated against that
 * same BTF) finds in the VM the values a test wrote at the offsets that kernel uses.
 *
 * ```ts
 * const heap = new KernelHeap(); // /sys/kernel/btf/vmlinux
 * const parent = heap.struct("task_struct", { tgid: 1 });
 * const task = heap.struct("task_struct", { tgid: 42, real_parent: parent, in_execve: 1 });
 * const p = await loadProbe(file, { coreBtf: heap.btf, kernelMemory: heap.ranges(),
 *   process: { task } });
 * ```
 *
 * Fields are named by path (`f_path.dentry`, `__sk_common.skc_daddr`); members of anonymous
 * structs and unions are found by their own names, as in C. Integers, enums and pointers take a
 * number or bigint (bitfields included); arrays take bytes or a string (NUL-padded); a pointer to a
 * struct or union may take that pointee's fields (`real_parent: { tgid: 1 }`), which makes a new
 * struct of the pointee's type and stores its address.
 *
 * Where the structs live is the allocator's choice: by default increasing fake kernel addresses
 * (the ranges the helpers' bpf_probe_read_kernel reads, `kernelMemory`); the VM's iterator runs
 * (runtime/vm/iter.ts) allocate each struct as a region of the VM's address space instead, so the
 * direct loads of a program through BTF pointers (`ctx.task.pid`) reach them.
 *
 * Consumes a BTF (reader or file path) and field values; produces `FakeMemoryRange`s, one per
 * struct or string. A field the BTF lacks, or a value that does not fit, throws naming the struct
 * and path.
 */
import { BtfKindNumber, LazyBtf } from "../../core/btf/index.ts";
import { openBtfFile } from "../../core/btf/file.ts";
import type { FakeMemoryRange } from "../helpers/index.ts";

/**
 * A field value: an integer or address, the bytes / text of an array, or the fields of the struct
 * a pointer field points to.
 */
export type KernelFieldValue = number | bigint | string | Uint8Array | KernelRecord;

/** Field values of one struct, by path. */
export interface KernelRecord {
  readonly [path: string]: KernelFieldValue;
}

/** Places `size` zero bytes (a struct `what`, a string) somewhere; returns where and the bytes. */
export type KernelAllocator = (size: number, what: string) => FakeMemoryRange;

/** Where a member lies in its outermost struct. */
interface Slot {
  readonly type: number;
  readonly bitOffset: number;
  readonly bitfieldSize: number;
}

/** Fake kernel memory built from a kernel's struct layouts; see the file comment. */
export class KernelHeap {
  readonly btf: LazyBtf;
  readonly #ranges: FakeMemoryRange[] = [];
  readonly #alloc: KernelAllocator;

  /**
   * `place`: the first fake kernel address (structs follow at increasing, 16-byte aligned
   * addresses), or an allocator.
   */
  constructor(
    btf: LazyBtf | string = "/sys/kernel/btf/vmlinux",
    place: bigint | KernelAllocator = 0xffff888010000000n,
  ) {
    this.btf = typeof btf === "string" ? openBtfFile(btf) : btf;
    if (typeof place === "function") this.#alloc = place;
    else {
      let next = place;
      this.#alloc = (size) => {
        const address = next;
        next += BigInt((size + 0x3f) & ~0xf);
        return { address, bytes: new Uint8Array(size) };
      };
    }
  }

  #allocate(size: number, what: string): FakeMemoryRange {
    const r = this.#alloc(size, what);
    this.#ranges.push(r);
    return r;
  }

  /** A NUL-terminated string in kernel memory; returns its address. */
  string(text: string): bigint {
    const enc = new TextEncoder().encode(text);
    const { address, bytes } = this.#allocate(enc.length + 1, "string");
    bytes.set(enc);
    return address;
  }

  /** A struct `name` with `fields` set (the rest zero); returns its address. */
  struct(name: string, fields: KernelRecord = {}): bigint {
    const id = this.#structId(name);
    const { address } = this.#allocate(this.btf.sizeOf(id), `struct ${name}`);
    this.update(address, name, fields);
    return address;
  }

  /** Sets `fields` of the struct `name` this heap made at `address`. */
  update(address: bigint, name: string, fields: KernelRecord): void {
    const id = this.#structId(name);
    const bytes = this.bytes(address);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (const [path, value] of Object.entries(fields)) {
      const slot = this.#slot(id, path.split("."), `struct ${name}`, path);
      this.#write(view, bytes, slot, value, `struct ${name}.${path}`);
    }
  }

  /** The bytes of the struct or string this heap made at `address` (not a copy). */
  bytes(address: bigint): Uint8Array {
    const r = this.#ranges.find((x) => x.address === address);
    if (!r) throw new Error(`0x${address.toString(16)} is not a struct or string of this heap`);
    return r.bytes;
  }

  #structId(name: string): number {
    const id = this.btf.find(BtfKindNumber.struct, name);
    if (id === undefined) throw new Error(`${this.btf.source} has no struct ${name}`);
    return id;
  }

  /** Every struct and string allocated so far (the VM's `kernelMemory`). */
  ranges(): FakeMemoryRange[] {
    return [...this.#ranges];
  }

  /** The name of the struct a pointer type points to, if it is a named struct. */
  #pointee(ptr: number): string | undefined {
    const t = this.btf.resolve(this.btf.type(ptr).type);
    return this.btf.kindOf(t) === BtfKindNumber.struct ? this.btf.name(t) || undefined : undefined;
  }

  #slot(id: number, path: readonly string[], where: string, full: string): Slot {
    let type = id;
    let base = 0;
    let last: Slot | undefined;
    for (const part of path) {
      const found = this.#member(this.btf.resolve(type), part);
      if (!found) throw new Error(`${where} has no field ${full} (no member ${part})`);
      base += found.bitOffset;
      last = { type: found.type, bitOffset: base, bitfieldSize: found.bitfieldSize };
      type = found.type;
    }
    return last!;
  }

  /** Member `name` of struct/union `id`, looking through anonymous members (offsets summed). */
  #member(id: number, name: string): Slot | undefined {
    const kind = this.btf.kindOf(id);
    if (kind !== BtfKindNumber.struct && kind !== BtfKindNumber.union) return undefined;
    for (const f of this.btf.fields(id)) {
      if (f.name === name) return f;
      if (f.name !== "") continue;
      const inner = this.#member(this.btf.resolve(f.type), name);
      if (inner) return { ...inner, bitOffset: f.bitOffset + inner.bitOffset };
    }
    return undefined;
  }

  #write(
    view: DataView,
    bytes: Uint8Array,
    slot: Slot,
    value: KernelFieldValue,
    what: string,
  ): void {
    const type = this.btf.resolve(slot.type);
    const size = this.btf.sizeOf(type);
    const at = slot.bitOffset >> 3;
    if (typeof value === "object" && !(value instanceof Uint8Array)) {
      const target = this.btf.kindOf(type) === BtfKindNumber.ptr ? this.#pointee(type) : undefined;
      if (target === undefined)
        throw new Error(`${what} is not a pointer to a named struct: give a number`);
      value = this.struct(target, value);
    }
    if (typeof value === "string" || value instanceof Uint8Array) {
      if (this.btf.kindOf(type) !== BtfKindNumber.array)
        throw new Error(`${what} is not an array: give a number`);
      const b = typeof value === "string" ? new TextEncoder().encode(value) : value;
      if (b.length > size) throw new Error(`${what} holds ${size} bytes, got ${b.length}`);
      bytes.set(b, at);
      return;
    }
    const v = BigInt(value);
    if (slot.bitfieldSize > 0) {
      const bits = slot.bitfieldSize;
      if (v < 0n || v >= 1n << BigInt(bits)) throw new Error(`${what} is ${bits} bits: ${v}`);
      for (let i = 0; i < bits; i++) {
        const bit = slot.bitOffset + i;
        const mask = 1 << (bit & 7);
        if ((v >> BigInt(i)) & 1n) bytes[bit >> 3]! |= mask;
        else bytes[bit >> 3]! &= ~mask;
      }
      return;
    }
    if (size !== 1 && size !== 2 && size !== 4 && size !== 8)
      throw new Error(`${what} is ${size} bytes: give bytes`);
    const bits = BigInt(size * 8);
    if (v < -(1n << (bits - 1n)) || v >= 1n << bits)
      throw new Error(`${what} is ${size} bytes: ${v} does not fit`);
    const u = BigInt.asUintN(size * 8, v);
    if (size === 8) view.setBigUint64(at, u, true);
    else if (size === 4) view.setUint32(at, Number(u), true);
    else if (size === 2) view.setUint16(at, Number(u), true);
    else view.setUint8(at, Number(u));
  }
}
