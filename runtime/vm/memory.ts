/**
 * The VM address space: a table of regions indexed by region id (runtime/vm/contract.ts `Memory`).
 *
 * Consumes caller-owned byte buffers (`map` never copies); produces `Region` records and resolves
 * 64-bit VM addresses to (region, offset). An address is `(regionId << 32) | offset`:
 *
 * ```
 *   63                 32 31                  0
 *  +---------------------+---------------------+
 *  |      region id      |   byte offset       |
 *  +---------------------+---------------------+
 * ```
 *
 * Invariants: id 0 is never mapped (so 0 is NULL); `slots[id]` is the live region with that id or the
 * `UNMAPPED` sentinel, whose length -1 makes every bounds check fail; a region is at most 2^32 bytes,
 * so an access that passes `offset + size <= length` never spills into the next id. Freed ids are
 * reused (lowest first) to keep the table dense; the JIT reads `slots` directly, so the array object
 * is never replaced, only grown.
 */
import { VmError } from "./contract.ts";
import type { Memory, Region, RegionKind } from "./contract.ts";

/** One entry of the region table, shaped for the JIT's inline bounds checks (monomorphic). */
export class RegionSlot {
  constructor(
    /** The region, or null for the unmapped sentinel. */
    readonly region: Region | null,
    /** Little-endian accessor over the region's bytes. */
    readonly view: DataView,
    /** Byte length, or -1 when unmapped (every bounds check fails). */
    readonly len: number,
    /** Whether stores are allowed. */
    readonly writable: boolean,
  ) {}
}

const UNMAPPED = new RegionSlot(null, new DataView(new ArrayBuffer(0)), -1, false);
const MAX_REGION_BYTES = 2 ** 32;
const MAX_REGION_ID = 2 ** 31 - 1;

/** Formats a 64-bit address the way every VM error shows it. */
export function formatAddress(addr: bigint): string {
  return `0x${BigInt.asUintN(64, addr).toString(16)}`;
}

/**
 * The message of a failed access: names the operation, size, address and region (or "unmapped").
 * Shared by `resolve`, the interpreter and the JIT so both engines report identical errors.
 */
export function describeAccessFault(
  memory: Memory,
  addr: bigint,
  size: number,
  write: boolean,
): string {
  const a = BigInt.asUintN(64, addr);
  const what = `${write ? "write" : "read"} of ${size} byte${size === 1 ? "" : "s"} at ${formatAddress(a)}`;
  const id = Number(a >> 32n);
  const offset = Number(a & 0xffffffffn);
  const region = id === 0 ? undefined : memory.region(id);
  if (!region) return `invalid ${what}: address is unmapped`;
  if (offset + size > region.bytes.length) {
    return `invalid ${what}: out of bounds of ${region.name} (offset ${offset}, size ${region.bytes.length})`;
  }
  if (write && !region.writable) return `invalid ${what}: ${region.name} is read-only`;
  return `invalid ${what}`;
}

/** The region-table implementation of `Memory`; the JIT requires this class (it reads `slots`). */
export class VmMemory implements Memory {
  /** Region table indexed by id; index 0 and freed ids hold the unmapped sentinel. */
  readonly slots: RegionSlot[] = [UNMAPPED];
  private readonly freeIds: number[] = [];

  /** Adds a region over `bytes` (not copied). */
  map(bytes: Uint8Array, opts: { writable: boolean; kind: RegionKind; name: string }): Region {
    if (bytes.length > MAX_REGION_BYTES) {
      throw new VmError(`cannot map ${opts.name}: ${bytes.length} bytes exceeds 4 GiB`, -1);
    }
    let id: number;
    if (this.freeIds.length > 0) {
      this.freeIds.sort((a, b) => b - a);
      id = this.freeIds.pop()!;
    } else {
      id = this.slots.length;
      if (id > MAX_REGION_ID) throw new VmError("VM address space exhausted", -1);
      this.slots.push(UNMAPPED);
    }
    const region: Region = Object.freeze({
      id,
      base: BigInt(id) << 32n,
      bytes,
      writable: opts.writable,
      kind: opts.kind,
      name: opts.name,
    });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.slots[id] = new RegionSlot(region, view, bytes.length, opts.writable);
    return region;
  }

  /** Removes a region; its addresses become unmapped (and its id may be reused later). */
  unmap(region: Region): void {
    const slot = this.slots[region.id];
    if (!slot || slot.region !== region) return;
    this.slots[region.id] = UNMAPPED;
    this.freeIds.push(region.id);
  }

  /** Region by id, or undefined when unmapped. */
  region(id: number): Region | undefined {
    return this.slots[id]?.region ?? undefined;
  }

  /** The region holding [addr, addr+size), checked for write permission when `write`. */
  resolve(addr: bigint, size: number, write: boolean): { region: Region; offset: number } {
    const a = BigInt.asUintN(64, addr);
    const slot = this.slots[Number(a >> 32n)];
    const offset = Number(a & 0xffffffffn);
    if (slot === undefined || offset + size > slot.len || (write && !slot.writable)) {
      throw new VmError(describeAccessFault(this, a, size, write), -1);
    }
    return { region: slot.region!, offset };
  }

  /** Copies `len` bytes out (checked). */
  read(addr: bigint, len: number): Uint8Array {
    const { region, offset } = this.resolve(addr, len, false);
    return region.bytes.slice(offset, offset + len);
  }

  /** Copies bytes in (checked, needs write permission). */
  write(addr: bigint, data: Uint8Array): void {
    const { region, offset } = this.resolve(addr, data.length, true);
    region.bytes.set(data, offset);
  }
}

/** Creates an empty address space. */
export function createMemory(): VmMemory {
  return new VmMemory();
}
