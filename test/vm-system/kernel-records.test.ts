/**
 * The generated kernel records: reproduced byte for byte from the installed headers (libbpf's
 * bpf_helper_defs.h, linux/bpf.h laid out by clang), consistent with the uapi helper ids, and the
 * hand-written program-type contexts checked against the running kernel's BTF when readable.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONTEXT_LAYOUTS,
  HELPER_DEFS_VERSION,
  HELPER_RECORDS,
  KERNEL_HEADER_VERSION,
  MAP_KIND_RECORDS,
  PROGRAM_TYPE_RECORDS,
  SECTION_DEFS,
  contextOffset,
  helperReadOnlyArgs,
} from "../../core/kernel/index.ts";
import {
  generateKernelRecords,
  parseBpfHeader,
  readHeaderVersion,
  readLibbpfVersion,
} from "../../scripts/gen-kernel-tables.ts";
import { buildKindRecords, type KindEnums } from "../../scripts/kernel-gen/render-kinds.ts";
import { NEWER_MAP_TYPES } from "../../scripts/kernel-gen/kind-sources.ts";
import type { LibbpfKinds } from "../../scripts/kernel-gen/libbpf-kinds.ts";

const HEADER = "/usr/include/linux/bpf.h";

const ROOT = join(import.meta.dirname, "../..");

describe("generated kernel records", () => {
  const same =
    existsSync("/usr/include/bpf/bpf_helper_defs.h") &&
    readLibbpfVersion() === HELPER_DEFS_VERSION &&
    readHeaderVersion() === KERNEL_HEADER_VERSION;
  it.skipIf(!same)("are reproduced byte for byte by the generator", async () => {
    const files = await generateKernelRecords({
      includeDir: "/usr/include",
      headerVersion: KERNEL_HEADER_VERSION,
      libbpfVersion: HELPER_DEFS_VERSION,
    });
    expect([...files.keys()].sort()).toEqual([
      "core/kernel/context-layouts.ts",
      "core/kernel/helper-records.ts",
      "core/kernel/map-kinds.ts",
      "core/kernel/program-kinds.ts",
      "stdlib/helpers.d.ts",
    ]);
    for (const [path, text] of files)
      expect(text === readFileSync(join(ROOT, path), "utf8"), path).toBe(true);
  });

  it.skipIf(!existsSync(HEADER))(
    "agree with linux/bpf.h on every helper id it has (1..209)",
    () => {
      const header = parseBpfHeader(readFileSync(HEADER, "utf8"));
      for (const k of header.helpers.slice(1)) expect(HELPER_RECORDS[k.id - 1]!.name).toBe(k.name);
      expect(HELPER_RECORDS.length).toBeGreaterThan(header.helpers.length - 1);
    },
  );

  it.skipIf(!existsSync(HEADER))("hold every map and program type of linux/bpf.h", () => {
    const header = parseBpfHeader(readFileSync(HEADER, "utf8"));
    const ids = (e: string, p: string) =>
      header.enums
        .get(e)!
        .filter(([n]) => !n.startsWith("__") && !n.endsWith("_UNSPEC") && n.startsWith(p))
        .map(([n, v]) => [n, Number(v)]);
    // The header's map types, in order, then the uapi members newer than it (NEWER_MAP_TYPES).
    const newer = Object.entries(NEWER_MAP_TYPES).map(([t, id]) => [`BPF_MAP_TYPE_${t}`, id]);
    const inHeader = ids("bpf_map_type", "BPF_MAP_TYPE_");
    expect(MAP_KIND_RECORDS.map((r) => [r.name, r.id])).toEqual([
      ...inHeader,
      ...newer.filter(([n]) => !inHeader.some(([m]) => m === n)),
    ]);
    for (const [n, v] of ids("bpf_prog_type", "BPF_PROG_TYPE_"))
      expect(PROGRAM_TYPE_RECORDS.find((r) => r.name === n)?.id, String(n)).toBe(v);
    // Each section row names a program type of the records; libbpf 1.x knows the older rows.
    for (const s of SECTION_DEFS)
      expect(PROGRAM_TYPE_RECORDS.find((r) => r.id === s.progTypeId)?.type).toBe(s.progType);
    expect(SECTION_DEFS.find((s) => s.pattern === "xdp")!.libbpf).toBe(true);
  });

  it("are refused when libbpf resolves a section differently", () => {
    const enums: KindEnums = {
      mapTypes: MAP_KIND_RECORDS.map((r) => [r.name, BigInt(r.id)] as const),
      progTypes: PROGRAM_TYPE_RECORDS.map((r) => [r.name, BigInt(r.id)] as const),
      attachTypes: [["BPF_XDP", 37n]],
    };
    const agreeing: LibbpfKinds = {
      mapTypeName: () => null,
      progTypeName: () => null,
      attachTypeName: () => null,
      section: () => null,
    };
    // The real section table names attach types this tiny enum lacks: the build must say so.
    expect(() => buildKindRecords(enums, agreeing)).toThrow(/unknown attach type/);
    const full: KindEnums = {
      ...enums,
      attachTypes: [
        ...new Set(SECTION_DEFS.flatMap((s) => (s.attachType ? [s.attachType] : []))),
      ].map((t) => {
        const id = SECTION_DEFS.find((s) => s.attachType === t)!.attachTypeId!;
        return [`BPF_${t}`, BigInt(id)] as const;
      }),
    };
    const built = buildKindRecords(full, agreeing);
    // Without libbpf's names, kinds are the lower-cased uapi names (what libbpf 1.x answers).
    expect(built.maps).toEqual(MAP_KIND_RECORDS);
    expect(built.sections.every((s) => !s.libbpf)).toBe(true);
    const wrong: LibbpfKinds = {
      ...agreeing,
      section: (n) => (n === "xdp" ? { progType: 3, attachType: 0 } : null),
    };
    expect(() => buildKindRecords(full, wrong)).toThrow(
      /section xdp: libbpf selects program type 3/,
    );
  });

  it("hold the uapi context offsets", () => {
    expect(contextOffset("xdp_md", "data_end")).toBe(4);
    expect(contextOffset("__sk_buff", "data")).toBe(76);
    expect(contextOffset("__sk_buff", "data_meta")).toBe(140);
    expect(CONTEXT_LAYOUTS["__sk_buff"]!.size).toBe(192);
    expect(contextOffset("bpf_perf_event_data", "sample_period")).toBe(168);
    expect(contextOffset("pt_regs", "rdi")).toBe(112);
    expect(contextOffset("bpf_sock_addr", "user_port")).toBe(24);
  });

  it("derive read-only helper arguments from const, plus the overrides", () => {
    expect(helperReadOnlyArgs(1)).toEqual([1]); // map_lookup_elem(map, const key)
    expect(helperReadOnlyArgs(2)).toEqual([1, 2]);
    expect(helperReadOnlyArgs(130)).toEqual([1]); // ringbuf_output data (override)
  });

  const btfPath = "/sys/kernel/btf/vmlinux";
  it.skipIf(!existsSync(btfPath))(
    "name each program type's contexts as the kernel's bpf_ctx_convert does",
    () => {
      const dump = (() => {
        try {
          return execFileSync("bpftool", ["btf", "dump", "file", btfPath, "format", "raw"], {
            encoding: "utf8",
            maxBuffer: 1 << 30,
          }) as string;
        } catch {
          return "";
        }
      })();
      if (!dump) return;
      const types = new Map<string, string>();
      for (const m of dump.matchAll(/^\[(\d+)\] (\w+) '([^']*)'(?: type_id=(\d+))?/gm))
        types.set(m[1]!, `${m[2]} ${m[3]} ${m[4] ?? ""}`);
      const nameOf = (id: string): string => {
        const [kind, name, next] = types.get(id)!.split(" ");
        if (kind === "STRUCT") return name!;
        if (kind === "TYPEDEF" && next) return nameOf(next);
        return "";
      };
      const block = /STRUCT 'bpf_ctx_convert'[^\n]*\n((?:\t[^\n]*\n)+)/.exec(dump)![1]!;
      const fromBtf = new Map<string, string>();
      for (const m of block.matchAll(/'BPF_PROG_TYPE_(\w+)_(prog|kern)' type_id=(\d+)/g))
        fromBtf.set(`${m[1]}/${m[2]}`, nameOf(m[3]!));
      let checked = 0;
      for (const { type, ...ctx } of PROGRAM_TYPE_RECORDS) {
        if (ctx.uapi && fromBtf.has(`${type}/prog`)) {
          expect(fromBtf.get(`${type}/prog`), type).toBe(ctx.uapi);
          checked++;
        }
        if (ctx.kernel && fromBtf.has(`${type}/kern`))
          expect(fromBtf.get(`${type}/kern`), type).toBe(ctx.kernel);
      }
      expect(checked).toBeGreaterThan(20);
    },
  );
});
