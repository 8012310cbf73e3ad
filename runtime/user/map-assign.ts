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
 *   too large for a JSON number can be given as strings; a struct value also as `field=value`
 *   pairs separated by commas (`pid=42,comm=bash`, each read by its field's type);
 * - types without BTF (raw bytes): hex (`0a000001` or `0x0a000001`);
 * - any key or value as its raw bytes: `hex:` then exactly its size in hex digits
 *   (`flows:hex:0a0000010050=1`); a struct or array also as `0x` then its bytes;
 * - the value of a map of maps (ArrayOfMaps / HashOfMaps): the name of another map of the object,
 *   stored as user space stores a map, by its fd (in the VM: its id); the kernel refuses a map
 *   unlike the outer map's inner template;
 * - the value of a prog array: the name of a program of the object (stored by its fd; VM: id);
 * - a devmap / devmap_hash / cpumap value of the kind's struct (`struct bpf_devmap_val`,
 *   `bpf_cpumap_val`): its `prog` (alias of `fd`) field may name a program of the object, which
 *   must be loaded with the kind's attach type (`xdp/devmap`, `xdp/cpumap`), as the kernel checks:
 *   `tx:0=ifindex=3,prog=onTx` or `tx:0={"ifindex": 3, "prog": "onTx"}`.
 *
 * Two steps, so a session can parse before loading (and load the programs values name):
 * `planMapAssignments` reads the text against the maps' types; `writeMapAssignments` stores the
 * named maps' and programs' fds and writes. `applyMapAssignments` does both.
 *
 * Invariant: every malformed assignment is a `CodecError` naming the part at fault; nothing is
 * written until the whole assignment has been parsed and encoded.
 */
import { attachType, mapKind, resolveSection, SECTION_DEFS } from "../../core/kernel/index.ts";
import { parseAddress } from "./address.ts";
import { CodecError, type Codec, type UserValue } from "./map-codec.ts";
import type { TypedMap } from "./typed-map.ts";

/** `MAP:KEY=VALUE`, split but not yet typed. */
export interface MapAssignment {
  readonly map: string;
  readonly key: string;
  readonly value: string;
}

/** The indexes of `ch` in `text` outside quotes, brackets and braces. */
function topLevelIndexes(text: string, ch: string): number[] {
  const at: number[] = [];
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    else if (c === ch && depth === 0) at.push(i);
  }
  return at;
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
  const eq = topLevelIndexes(rest, "=")[0];
  if (eq === undefined) throw new CodecError(usage);
  const key = rest.slice(0, eq).trim();
  const value = rest.slice(eq + 1).trim();
  if (!map || !key || !value) throw new CodecError(usage);
  return { map, key, value };
}

function parseJson(text: string, what: string): UserValue {
  try {
    return JSON.parse(text) as UserValue;
  } catch {
    throw new CodecError(`${what}: not valid JSON: ${text}`);
  }
}

/** Marks a key or value given as its raw bytes in hex, whatever its type (`hex:0a000001`). */
const HEX_PREFIX = "hex:";

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
  if (text.startsWith(HEX_PREFIX))
    return parseHexBytes(text.slice(HEX_PREFIX.length), codec.size, what);
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
      return /^0x/i.test(text) ? parseHexBytes(text, codec.size, what) : parseJson(text, what);
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
 * What stands for the object's maps and programs where the kernel takes an fd: the fd of the loaded
 * map / program (in the VM: its id), or undefined when the object has none of that name.
 */
export interface ObjectRefs {
  readonly map?: (name: string) => number | undefined;
  readonly program?: (name: string) => number | undefined;
}

/** The names a `--set` value may give for the object's maps and programs. */
export interface ObjectNames {
  /** Every map of the object (default: the data maps assigned into). */
  readonly maps?: readonly string[];
  /** The object's programs, by function name with their SEC() names. */
  readonly programs: readonly { readonly name: string; readonly section: string }[];
}

/** A map `--set` writes into: its name, kind (`mapKind` names) and codecs; a `TypedMap` is one. */
export interface AssignTarget {
  readonly name: string;
  readonly kind: string;
  readonly keyCodec: Codec;
  readonly valueCodec: Codec;
}

/**
 * An assignment parsed against its map's types, not yet written: `named` is a map or program of the
 * object the value names, stored as its fd (VM: id) in the whole value or in field `field`.
 */
export interface PlannedAssignment {
  readonly map: string;
  readonly key: UserValue;
  readonly value: UserValue;
  readonly named?: {
    readonly kind: "map" | "program";
    readonly name: string;
    readonly field?: string;
  };
}

/** The field of a devmap / cpumap struct value that holds a program fd, and its alias. */
const PROG_FIELD = "fd";
const PROG_ALIAS = "prog";

/** Splits `text` at the commas outside quotes, brackets and braces. */
function splitTopLevel(text: string): string[] {
  const cuts = [-1, ...topLevelIndexes(text, ","), text.length];
  return cuts.slice(1).map((end, i) => text.slice(cuts[i]! + 1, end).trim());
}

/**
 * A struct value as `field=value,field=value` (each value read by its field's type) or as JSON
 * (fields as given). `progField`, for a devmap / cpumap value, takes the alias `prog` too, and a
 * program name there is returned apart.
 */
function parseStructValue(
  codec: Extract<Codec, { kind: "struct" }>,
  text: string,
  what: string,
  progField: boolean,
): { value: UserValue; program?: string } {
  const isProg = (f: string) => progField && (f === PROG_FIELD || f === PROG_ALIAS);
  if (text.startsWith("{")) {
    const parsed = parseJson(text, what);
    if (!progField || typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      return { value: parsed };
    const fields = { ...(parsed as { [k: string]: UserValue }) };
    let program: string | undefined;
    for (const f of [PROG_FIELD, PROG_ALIAS]) {
      const v = fields[f];
      if (typeof v !== "string" || /^\d+$/.test(v)) continue;
      program = v;
      delete fields[f];
    }
    if (fields[PROG_ALIAS] !== undefined) {
      fields[PROG_FIELD] = fields[PROG_ALIAS]!;
      delete fields[PROG_ALIAS];
    }
    return { value: fields, ...(program !== undefined ? { program } : {}) };
  }
  const value: { [k: string]: UserValue } = {};
  let program: string | undefined;
  for (const part of splitTopLevel(text)) {
    const eq = part.indexOf("=");
    const name = eq > 0 ? part.slice(0, eq).trim() : "";
    const field = codec.fields.find((f) => f.name === (isProg(name) ? PROG_FIELD : name));
    if (!field) {
      const names = codec.fields.map((f) => f.name);
      if (progField) names.push(PROG_ALIAS);
      throw new CodecError(
        `${what}: expected field=value pairs separated by commas (fields of ${codec.name || "the struct"}: ${names.join(", ")}) or JSON, got ${JSON.stringify(part)}`,
      );
    }
    const text = part.slice(eq + 1).trim();
    if (isProg(name) && !/^-?\d+$|^0x/i.test(text)) program = text;
    else value[field.name] = parseUserValue(field.codec, text, `${what}.${field.name}`);
  }
  return { value, ...(program !== undefined ? { program } : {}) };
}

/** The error for a value that should name one of `names` (a map or a program of the object). */
function notNamed(
  what: string,
  holds: string,
  kind: string,
  names: readonly string[],
  got: string,
) {
  return new CodecError(
    `${what}: ${holds}: the value must name one of the object's ${kind}s (${names.join(", ") || "none"}), not ${got}`,
  );
}

/**
 * Refuses, as the kernel would (dev_map_update_elem / cpu_map_update_elem: EINVAL / ENOMEM), a
 * devmap / cpumap entry's program not loaded with the kind's attach type (`xdp/devmap`).
 */
function checkEntryProgram(
  what: string,
  kind: string,
  prog: { readonly name: string; readonly section: string },
): void {
  const wanted = mapKind(kind)?.valueStruct?.program;
  const type = wanted === undefined ? undefined : attachType(wanted);
  if (!type || resolveSection(prog.section)?.attachTypeId === type.id) return;
  const sections = SECTION_DEFS.filter((d) => d.attachTypeId === type.id).map((d) => d.pattern);
  throw new CodecError(
    `${what}: program ${prog.name} (SEC("${prog.section}")) cannot run on ${kind} entries: ` +
      `they take programs loaded with ${type.name} (SEC("${sections.at(-1) ?? "?"}"))`,
  );
}

/**
 * Parses each assignment against its map's key and value types (`targets`); `names` are the maps
 * and programs a value may name. Throws a `CodecError` for an unknown map or malformed text.
 */
export function planMapAssignments(
  targets: readonly AssignTarget[],
  assignments: readonly MapAssignment[],
  names: ObjectNames,
): PlannedAssignment[] {
  const mapNames = names.maps ?? targets.map((t) => t.name);
  return assignments.map((a) => {
    const m = targets.find((x) => x.name === a.map);
    if (!m) {
      const all = targets.map((x) => x.name).join(", ") || "none";
      throw new CodecError(`--set ${a.map}: the object has no such data map (maps: ${all})`);
    }
    const what = `--set ${a.map}`;
    const key = parseUserValue(m.keyCodec, a.key, `${what} key`);
    const kind = mapKind(m.kind);
    if (kind?.innerMaps) {
      if (!mapNames.includes(a.value) || a.value === a.map) {
        const others = mapNames.filter((n) => n !== a.map);
        throw notNamed(what, "a map of maps holds maps", "map", others, a.value);
      }
      return { map: a.map, key, value: 0, named: { kind: "map", name: a.value } };
    }
    const programs = names.programs.map((p) => p.name);
    if (m.kind === "prog_array") {
      if (!programs.includes(a.value))
        throw notNamed(what, "a prog array holds programs", "program", programs, a.value);
      return { map: a.map, key, value: 0, named: { kind: "program", name: a.value } };
    }
    const vc = m.valueCodec;
    if (vc.kind === "struct" && !a.value.startsWith(HEX_PREFIX) && !/^0x/i.test(a.value)) {
      const progField = kind?.valueStruct?.struct === vc.name;
      const parsed = parseStructValue(vc, a.value, `${what} value`, progField);
      if (parsed.program === undefined) return { map: a.map, key, value: parsed.value };
      const prog = names.programs.find((p) => p.name === parsed.program);
      if (!prog)
        throw notNamed(
          `${what} value`,
          `field ${PROG_ALIAS} holds a program`,
          "program",
          programs,
          parsed.program,
        );
      checkEntryProgram(`${what} value`, m.kind, prog);
      const named = { kind: "program" as const, name: parsed.program, field: PROG_FIELD };
      return { map: a.map, key, value: parsed.value, named };
    }
    return { map: a.map, key, value: parseUserValue(vc, a.value, `${what} value`) };
  });
}

/**
 * Writes planned assignments into their maps (`maps` are the object's data maps; `refs` give the
 * fd / VM id stored for a named map or program). Per-CPU maps get the value on every CPU.
 */
export function writeMapAssignments(
  maps: readonly TypedMap[],
  planned: readonly PlannedAssignment[],
  refs: ObjectRefs = {},
): void {
  const values = planned.map((p) => {
    if (!p.named) return p.value;
    const ref = (p.named.kind === "map" ? refs.map : refs.program)?.(p.named.name);
    if (ref === undefined)
      throw new CodecError(`--set ${p.map}: ${p.named.kind} ${p.named.name} is not loaded`);
    if (p.named.field === undefined) return ref;
    return { ...(p.value as { [k: string]: UserValue }), [p.named.field]: ref };
  });
  planned.forEach((p, i) => {
    const m = maps.find((x) => x.name === p.map)!;
    try {
      m.set(p.key, values[i]!);
    } catch (e) {
      if (e instanceof CodecError) throw new CodecError(`--set ${p.map}: ${e.message}`);
      throw e;
    }
  });
}

/**
 * Parses and writes each assignment into its map (`maps` are the object's data maps; `names` the
 * programs (and maps) a value may name; `refs` what is stored for them). Throws a `CodecError` for
 * an unknown map or a value that does not fit.
 */
export function applyMapAssignments(
  maps: readonly TypedMap[],
  assignments: readonly MapAssignment[],
  names: ObjectNames = { programs: [] },
  refs: ObjectRefs = {},
): void {
  writeMapAssignments(maps, planMapAssignments(maps, assignments, names), refs);
}
