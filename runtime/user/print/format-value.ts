/**
 * Text and JSON forms of decoded values (map-codec.ts `UserValue`), in bpftrace's spirit:
 * numbers plain, strings unquoted in text, structs as `{ .field = value, ... }`, arrays as
 * `[a, b]`, raw bytes as hex.
 *
 * JSON: bigints that fit a double exactly become numbers, larger ones decimal strings (so a u64
 * never loses precision); bytes become a hex string.
 */
import type { UserValue } from "../map-codec.ts";

/** Lower-case hex of bytes, no separators. */
export function hexBytes(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

/** The text form of a value. */
export function formatValue(v: UserValue): string {
  if (v instanceof Uint8Array) return hexBytes(v);
  if (Array.isArray(v)) return `[${(v as readonly UserValue[]).map(formatValue).join(", ")}]`;
  if (typeof v === "object") {
    const fields = Object.entries(v as Record<string, UserValue>).map(
      ([k, x]) => `.${k} = ${formatValue(x)}`,
    );
    return `{ ${fields.join(", ")} }`;
  }
  return String(v);
}

/**
 * A map key in `@name[...]`: a struct key shows its fields' values separated by ", " (like a
 * bpftrace multi-key map), anything else its text form.
 */
export function formatKey(v: UserValue): string {
  if (typeof v === "object" && !(v instanceof Uint8Array) && !Array.isArray(v)) {
    return Object.values(v as Record<string, UserValue>)
      .map(formatValue)
      .join(", ");
  }
  return formatValue(v);
}

/** A JSON-safe copy of a value. */
export function toJson(v: UserValue): unknown {
  if (typeof v === "bigint") {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  }
  if (v instanceof Uint8Array) return hexBytes(v);
  if (Array.isArray(v)) return (v as readonly UserValue[]).map(toJson);
  if (typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v as Record<string, UserValue>).map(([k, x]) => [k, toJson(x)]),
    );
  }
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  return v;
}

/** Compares values for display order: numbers numerically, everything else by text. */
export function compareValues(a: UserValue, b: UserValue): number {
  if (
    (typeof a === "number" || typeof a === "bigint") &&
    (typeof b === "number" || typeof b === "bigint")
  ) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const sa = formatValue(a);
  const sb = formatValue(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
