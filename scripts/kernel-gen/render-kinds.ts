/**
 * Builds and renders the kind records: core/kernel/map-kinds.ts (every `enum bpf_map_type` member)
 * and core/kernel/program-kinds.ts (every `enum bpf_prog_type` and `enum bpf_attach_type` member,
 * and libbpf's section table).
 *
 * Consumes the parsed uapi enums (linux/bpf.h), the hand-written facts of kind-sources.ts and the
 * installed libbpf's answers (libbpf-kinds.ts); produces module text before prettier, a pure
 * function of those inputs. Throws when libbpf resolves a section row differently from the table,
 * or a fact names a kind the header does not have: a record is never written wrong.
 */
import type {
  AttachTypeRecord,
  MapKindRecord,
  ProgramTypeRecord,
  SectionDef,
} from "../../core/kernel/records.ts";
import {
  BUFFER_CONTEXT_PROG_TYPES,
  MAP_KIND_FACTS,
  NEWER_ATTACH_TYPES,
  NEWER_MAP_TYPES,
  NEWER_PROG_TYPES,
  PROGRAM_TYPE_CONTEXTS,
  SECTION_DEFS,
  SECTION_DEFS_SOURCE,
  TEST_RUN_SKB_VIEWS,
} from "./kind-sources.ts";
import type { LibbpfKinds } from "./libbpf-kinds.ts";
import { matchesSection } from "../../core/kernel/sections.ts";

/** Members of one uapi enum (name → value), without `__MAX` / `MAX_` sentinels. */
export type EnumMembers = readonly (readonly [string, bigint])[];

/** The uapi enums the kind records come from. */
export interface KindEnums {
  readonly mapTypes: EnumMembers;
  readonly progTypes: EnumMembers;
  readonly attachTypes: EnumMembers;
}

/** Everything the two record modules hold. */
export interface KindRecords {
  readonly maps: readonly MapKindRecord[];
  readonly progTypes: readonly ProgramTypeRecord[];
  readonly attachTypes: readonly AttachTypeRecord[];
  readonly sections: readonly SectionDef[];
}

const members = (e: EnumMembers, prefix: string, newer: Readonly<Record<string, number>> = {}) => {
  const out = e
    .filter(([n]) => n.startsWith(prefix) && !n.endsWith("_UNSPEC"))
    .map(([n, v]) => ({ name: n, id: Number(v), type: n.slice(prefix.length) }));
  for (const [type, id] of Object.entries(newer))
    if (!out.some((r) => r.type === type)) out.push({ name: prefix + type, id, type });
  return out.sort((a, b) => a.id - b.id);
};

/** The records, from the header's enums, the facts and libbpf. */
export function buildKindRecords(enums: KindEnums, libbpf: LibbpfKinds): KindRecords {
  const maps: MapKindRecord[] = members(enums.mapTypes, "BPF_MAP_TYPE_", NEWER_MAP_TYPES).map(
    (m) => {
      const kind = libbpf.mapTypeName(m.id) ?? m.type.toLowerCase();
      const f = MAP_KIND_FACTS[kind] ?? {};
      return {
        name: m.name,
        id: m.id,
        kind,
        perCpu: f.perCpu ?? false,
        btfKeyValue: !f.noBtfKeyValue,
        fdArray: f.fdArray ?? false,
        redirect: f.redirect ?? false,
        sockets: f.sockets ?? false,
        storage: f.storage ?? null,
        events: f.events ?? null,
        histogram: f.histogram ?? false,
        forEach: f.forEach ?? false,
        innerMaps: f.innerMaps ?? false,
        valueStruct: f.valueStruct ?? null,
        unsupported: f.unsupported ?? null,
        stdlib: f.stdlib ?? null,
      };
    },
  );
  for (const k of Object.keys(MAP_KIND_FACTS))
    if (!maps.some((m) => m.kind === k)) throw new Error(`map kind facts: unknown kind '${k}'`);
  const progTypes: ProgramTypeRecord[] = members(
    enums.progTypes,
    "BPF_PROG_TYPE_",
    NEWER_PROG_TYPES,
  ).map((p) => {
    const ctx = PROGRAM_TYPE_CONTEXTS[p.type];
    return {
      ...p,
      libbpf: libbpf.progTypeName(p.id),
      uapi: ctx?.uapi ?? null,
      kernel: ctx?.kernel ?? null,
      bufferContext: BUFFER_CONTEXT_PROG_TYPES.includes(p.type),
      testRunSkb: TEST_RUN_SKB_VIEWS[p.type] ?? null,
    };
  });
  for (const k of Object.keys(TEST_RUN_SKB_VIEWS))
    if (!progTypes.some((p) => p.type === k))
      throw new Error(`test-run skb views: unknown program type '${k}'`);
  const attachTypes: AttachTypeRecord[] = members(
    enums.attachTypes,
    "BPF_",
    NEWER_ATTACH_TYPES,
  ).map((a) => ({ ...a, libbpf: libbpf.attachTypeName(a.id) }));
  const progId = (t: string) => {
    const r = progTypes.find((p) => p.type === t);
    if (!r) throw new Error(`section table: unknown program type ${t}`);
    return r.id;
  };
  const attachId = (t: string) => {
    const r = attachTypes.find((a) => a.type === t);
    if (!r) throw new Error(`section table: unknown attach type ${t}`);
    return r.id;
  };
  const sections: SectionDef[] = SECTION_DEFS.map((s) => {
    const progTypeId = progId(s.progType);
    const attachTypeId = s.attachType === null ? null : attachId(s.attachType);
    const said = libbpf.section(sampleOf(s.pattern));
    if (said && (said.progType !== progTypeId || said.attachType !== (attachTypeId ?? 0)))
      throw new Error(
        `section ${s.pattern}: libbpf selects program type ${said.progType} / attach type ` +
          `${said.attachType}, the table ${progTypeId} / ${attachTypeId ?? 0}`,
      );
    return {
      pattern: s.pattern,
      progType: s.progType,
      progTypeId,
      attachType: s.attachType,
      attachTypeId,
      sleepable: s.sleepable ?? false,
      btfTarget: s.btfTarget ?? false,
      frags: s.frags ?? false,
      libbpf: said !== null,
      ...(s.aliasOf === undefined ? {} : { aliasOf: s.aliasOf }),
    };
  });
  // An alias row spells canonical rows of its own program type (a sample of one matches it).
  for (const s of sections) {
    if (s.aliasOf === undefined) continue;
    const spelled = sections.some(
      (c) =>
        c.aliasOf === undefined &&
        c.progTypeId === s.progTypeId &&
        matchesSection(s.aliasOf!, sampleOf(c.pattern)),
    );
    if (!spelled)
      throw new Error(
        `section ${s.pattern}: aliasOf ${s.aliasOf} names no row of its program type`,
      );
  }
  return { maps, progTypes, attachTypes, sections };
}

/** A section name a pattern matches (`tp` for `tp+`, `sk_skb/x` for `sk_skb/`). */
function sampleOf(pattern: string): string {
  if (pattern.endsWith("+")) return pattern.slice(0, -1);
  return pattern.endsWith("/") ? `${pattern}x` : pattern;
}

const banner = (what: string, sources: string) => [
  `/**`,
  ` * ${what}`,
  ` *`,
  ` * generated by scripts/gen-kernel-tables.ts from ${sources}, do not edit`,
  ` * (hand-written facts: scripts/kernel-gen/kind-sources.ts)`,
  ` */`,
];

/** core/kernel/map-kinds.ts. */
export function renderMapKinds(r: KindRecords, headerVersion: string, libbpf: string): string {
  return [
    ...banner(
      "Every map kind (uapi enum bpf_map_type) with libbpf's name for it and the facts every stage reads.",
      `linux/bpf.h ${headerVersion} and ${libbpf}`,
    ),
    `import type { MapKindRecord } from "./records.ts";`,
    ``,
    `/** Every map kind, in id order. */`,
    `export const MAP_KIND_RECORDS = ${JSON.stringify(r.maps)} as const satisfies readonly MapKindRecord[];`,
    ``,
  ].join("\n");
}

/** core/kernel/program-kinds.ts. */
export function renderProgramKinds(r: KindRecords, headerVersion: string, libbpf: string): string {
  return [
    ...banner(
      "Every program type and attach type (uapi enum bpf_prog_type / bpf_attach_type) and libbpf's SEC() table.",
      `linux/bpf.h ${headerVersion}, ${SECTION_DEFS_SOURCE} (checked against ${libbpf})`,
    ),
    `import type { AttachTypeRecord, ProgramTypeRecord, SectionDef } from "./records.ts";`,
    ``,
    `/** Which libbpf section table SECTION_DEFS follows. */`,
    `export const SECTION_DEFS_SOURCE = ${JSON.stringify(SECTION_DEFS_SOURCE)};`,
    ``,
    `/** Every program type, in id order, with its context structs. */`,
    `export const PROGRAM_TYPE_RECORDS = ${JSON.stringify(r.progTypes)} as const satisfies readonly ProgramTypeRecord[];`,
    ``,
    `/** Every attach type, in id order. */`,
    `export const ATTACH_TYPE_RECORDS = ${JSON.stringify(r.attachTypes)} as const satisfies readonly AttachTypeRecord[];`,
    ``,
    `/** libbpf's section table, in its matching order (the first matching row wins). */`,
    `export const SECTION_DEFS: readonly SectionDef[] = ${JSON.stringify(r.sections)};`,
    ``,
  ].join("\n");
}
