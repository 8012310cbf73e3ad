/**
 * Map entries written from the command line before any program runs (`tsbpf run --set
 * MAP:KEY=VALUE`): a firewall's blocklist, a filter's target pid, a config array.
 *
 * Consumes the assignment text and the map's key / value codecs (map-codec.ts); produces the
 * `UserValue`s `TypedMap.set` encodes. How text is read depends on the type it goes into:
 * - integers, enums, bools, pointers: `42`, `-1`, `0x2a`, an enum name, `true` / `false`; and for a
 *   4-byte integer, an IPv4 address `a.b.c.d` stored in network byte order (the bytes a b c d, as
 *   a packet carries it; `ip.saddr` loaded from a packet compares equal to it);
 * - address types (`Ipv4Addr`, `Ipv6Addr`): `10.0.0.2`, `2001:db8::1`;
 * - char arrays: the text itself (or a JSON string);
 * - structs and non-string arrays: JSON (`{"pid": 42, "comm": "bash"}`, `[1, 2, 3]`); integers
 *   too large for a JSON number can be given as strings;
 * - types without BTF (raw bytes): hex (`0a000001` or `0x0a000001`);
 * - the value of a map of maps (ArrayOfMaps / HashOfMaps): the name of another map of the object,
 *   stored as user space stores a map, by its fd (in the VM: its id); the kernel refuses a map
 *   unlike the outer map's inner template.
 *
 * Invariant: every malformed assignment is a `CodecError` naming the part at fault; nothing is
 * written until the whole assignment has been parsed and encoded.
 */
import { mapKind } from "../../core/kernel/index.ts";
import { parseAddress } from "./address.ts";
import { CodecError, type Codec, type UserValue } from "./map-codec.ts";
import type { TypedMap } from "./typed-map.ts";

/** `MAP:KEY=VALUE`, split but not yet typed. */
export interface MapAssignment {
  readonly map: string;
  readonly key: string;
  readonly value: string;
}

/**
 * Splits `MAP:KEY=VALUE`. The map name ends at the first `:`; the key ends at the first `=` outside
 * quotes, brackets and braces (so JSON keys may contain `=`).
 */
export function parseMapAssignment(text: string): MapAssignment {
  const usage = `expected MAP:KEY=VALUE (e.g. blocklist:10.0.0.1=0), got ${JSON.stringify(text)}`;
  const colon = text.indexOf(":");
  if (colon <= 0) throw new CodecError(usage);
  const map = text.slice(0, colon).trim();
  const rest = text.slice(colon + 1);
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    else if (c === "=" && depth === 0) {
      const key = rest.slice(0, i).trim();
      const value = rest.slice(i + 1).trim();
      if (!map || !key || !value) throw new CodecError(usage);
      return { map, key, value };
    }
  }
  throw new CodecError(usage);
}

function parseJson(text: string, what: string): UserValue {
  try {
    return JSON.parse(text) as UserValue;
  } catch {
    throw new CodecError(`${what}: not valid JSON: ${text}`);
  }
}

function parseHexBytes(text: string, size: number, what: string): Uint8Array {
  const clean = text.replace(/^0x/i, "");
  if (!/^([0-9a-f]{2})*$/i.test(clean) || clean.length !== size * 2) {
    throw new CodecError(
      `${what}: expected ${size} bytes as hex (${size * 2} digits), got ${text}`,
    );
  }
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

/** The value `text` denotes for a slot of type `codec`; `what` names it in errors. */
export function parseUserValue(codec: Codec, text: string, what: string): UserValue {
  switch (codec.kind) {
    case "int":
    case "enum":
    case "ptr": {
      if (codec.size === 4 && /^\d+\.\d+\.\d+\.\d+$/.test(text)) {
        const bytes = parseAddress("ipv4", text);
        if (!bytes) throw new CodecError(`${what}: ${text} is not an address`);
        return new DataView(bytes.buffer).getUint32(0, true);
      }
      return text;
    }
    case "bool":
      if (text === "true" || text === "false") return text === "true";
      return text;
    case "float": {
      const n = Number(text);
      if (!Number.isFinite(n)) throw new CodecError(`${what}: expected a number, got ${text}`);
      return n;
    }
    case "string":
      return text.startsWith('"') ? parseJson(text, what) : text;
    case "array":
    case "struct":
      return parseJson(text, what);
    case "addr": {
      const bytes = parseAddress(codec.family, text);
      if (!bytes) throw new CodecError(`${what}: ${text} is not an address`);
      return bytes;
    }
    case "bytes":
      return parseHexBytes(text, codec.size, what);
  }
}

/**
 * What stands for map `name` of the object in another map's value (its fd, or VM id), or
 * undefined when the object has no such map.
 */
export type MapRefResolver = (name: string) => number | undefined;

/** The value of a map-of-maps assignment: the ref of the map its text names. */
function innerMapRef(
  maps: readonly TypedMap[],
  a: MapAssignment,
  mapRef: MapRefResolver | undefined,
): number {
  const ref = mapRef?.(a.value);
  if (ref !== undefined) return ref;
  const names = maps.map((x) => x.name).filter((n) => n !== a.map);
  throw new CodecError(
    `--set ${a.map}: a map of maps holds maps: the value must name one of the object's maps (${names.join(", ") || "none"}), not ${a.value}`,
  );
}

/**
 * Writes each assignment into its map (`maps` are the object's data maps; `mapRef` finds what
 * stands for a map in a map of maps' value). Per-CPU maps get the value on every CPU. Throws a
 * `CodecError` for an unknown map or a value that does not fit.
 */
export function applyMapAssignments(
  maps: readonly TypedMap[],
  assignments: readonly MapAssignment[],
  mapRef?: MapRefResolver,
): void {
  for (const a of assignments) {
    const m = maps.find((x) => x.name === a.map);
    if (!m) {
      const names = maps.map((x) => x.name).join(", ") || "none";
      throw new CodecError(`--set ${a.map}: the object has no such data map (maps: ${names})`);
    }
    const what = `--set ${a.map}`;
    const key = parseUserValue(m.keyCodec, a.key, `${what} key`);
    const value = mapKind(m.kind)?.innerMaps
      ? innerMapRef(maps, a, mapRef)
      : parseUserValue(m.valueCodec, a.value, `${what} value`);
    try {
      m.set(key, value);
    } catch (e) {
      if (e instanceof CodecError) throw new CodecError(`${what}: ${e.message}`);
      throw e;
    }
  }
}
