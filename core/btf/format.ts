/**
 * Text forms of BTF: C-like declarations (for golden tests and diagnostics) and the raw one-type-per-line
 * listing printed by `bpftool btf dump file <obj>` (so our output can be diffed against bpftool's).
 *
 * Consumes `Btf`; produces strings. Recursion into referenced types is bounded by `MAX_RESOLVE_DEPTH`
 * so a cyclic (malformed) BTF prints `<cycle>` instead of overflowing the stack.
 */
import { BtfIntEncoding, type Btf, type BtfType } from "./model.ts";
import { MAX_RESOLVE_DEPTH } from "./query.ts";

const LINKAGE = ["static", "global", "extern"];

function encodingName(enc: number): string {
  if (enc === 0) return "(none)";
  if (enc === BtfIntEncoding.SIGNED) return "SIGNED";
  if (enc === BtfIntEncoding.CHAR) return "CHAR";
  if (enc === BtfIntEncoding.BOOL) return "BOOL";
  return "UNKN";
}

function quoted(name: string): string {
  return `'${name === "" ? "(anon)" : name}'`;
}

/** One type in bpftool's raw format, e.g. `[2] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED`. */
export function dumpBtfType(btf: Btf, id: number): string {
  const t = btf.types[id];
  if (t === undefined || t.kind === "void") return `[${id}] UNKNOWN`;
  const head = `[${id}] ${t.kind.toUpperCase()} ${quoted("name" in t ? t.name : "")}`;
  switch (t.kind) {
    case "int":
      return `${head} size=${t.size} bits_offset=${t.bitOffset} nr_bits=${t.bits} encoding=${encodingName(t.encoding)}`;
    case "ptr":
    case "typedef":
    case "volatile":
    case "const":
    case "restrict":
    case "type_tag":
      return `${head} type_id=${t.type}`;
    case "array":
      return `${head} type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
    case "struct":
    case "union":
      return [
        `${head} size=${t.size} vlen=${t.members.length}`,
        ...t.members.map(
          (m) =>
            `\t${quoted(m.name)} type_id=${m.type} bits_offset=${m.bitOffset}` +
            (m.bitfieldSize ? ` bitfield_size=${m.bitfieldSize}` : ""),
        ),
      ].join("\n");
    case "enum":
    case "enum64":
      return [
        `${head} encoding=${t.signed ? "SIGNED" : "UNSIGNED"} size=${t.size} vlen=${t.values.length}`,
        ...t.values.map(
          (e) =>
            `\t${quoted(e.name)} val=${e.value}${t.kind === "enum64" ? (t.signed ? "LL" : "ULL") : ""}`,
        ),
      ].join("\n");
    case "fwd":
      return `${head} fwd_kind=${t.isUnion ? "union" : "struct"}`;
    case "func":
      return `${head} type_id=${t.type} linkage=${LINKAGE[t.linkage] ?? t.linkage}`;
    case "func_proto":
      return [
        `${head} ret_type_id=${t.returnType} vlen=${t.params.length}`,
        ...t.params.map((p) => `\t${quoted(p.name)} type_id=${p.type}`),
      ].join("\n");
    case "var":
      return `${head} type_id=${t.type}, linkage=${LINKAGE[t.linkage] ?? t.linkage}`;
    case "datasec":
      return [
        `${head} size=${t.size} vlen=${t.vars.length}`,
        ...t.vars.map((x) => {
          const v = btf.types[x.type];
          const what = v && "name" in v ? ` (${v.kind.toUpperCase()} ${quoted(v.name)})` : "";
          return `\ttype_id=${x.type} offset=${x.offset} size=${x.size}${what}`;
        }),
      ].join("\n");
    case "float":
      return `${head} size=${t.size}`;
    case "decl_tag":
      return `${head} type_id=${t.type} component_idx=${t.componentIdx}`;
  }
}

/** The whole BTF in bpftool's raw format, one type per line (members indented on following lines). */
export function dumpBtf(btf: Btf): string {
  const out: string[] = [];
  for (let id = 1; id < btf.types.length; id++) out.push(dumpBtfType(btf, id));
  return out.join("\n") + "\n";
}

/** C spelling of type `id`, optionally declaring `decl` (e.g. `typeToC(btf, p, "x")` → `const char *x`). */
export function typeToC(btf: Btf, id: number, decl = "", depth = 0): string {
  const sp = (s: string) => (decl === "" ? s : `${s} ${decl}`);
  if (depth > MAX_RESOLVE_DEPTH) return sp("<cycle>");
  const t: BtfType | undefined = btf.types[id];
  if (t === undefined) return sp(`<bad type ${id}>`);
  switch (t.kind) {
    case "void":
      return sp("void");
    case "int":
    case "float":
    case "typedef":
      return sp(t.name);
    case "struct":
    case "union":
    case "enum":
      return sp(`${t.kind} ${t.name || "{...}"}`);
    case "enum64":
      return sp(`enum ${t.name || "{...}"}`);
    case "fwd":
      return sp(`${t.isUnion ? "union" : "struct"} ${t.name}`);
    case "ptr":
      return typeToC(btf, t.type, `*${decl}`, depth + 1);
    case "const":
    case "volatile":
    case "restrict": {
      const inner = btf.types[t.type];
      // `const int x` reads better than `int const x`; pointers need the qualifier after the star.
      if (inner && inner.kind !== "ptr")
        return `${t.kind} ${typeToC(btf, t.type, decl, depth + 1)}`;
      return typeToC(btf, t.type, `${t.kind}${decl ? " " + decl : ""}`, depth + 1);
    }
    case "type_tag":
      return typeToC(
        btf,
        t.type,
        `__attribute__((btf_type_tag("${t.name}"))) ${decl}`.trim(),
        depth + 1,
      );
    case "array": {
      const d = decl.startsWith("*") ? `(${decl})` : decl;
      return typeToC(btf, t.type, `${d}[${t.nelems}]`, depth + 1);
    }
    case "func_proto": {
      const params = t.params.map((p) =>
        p.type === 0 && p.name === "" ? "..." : typeToC(btf, p.type, p.name, depth + 1),
      );
      const d = decl.startsWith("*") ? `(${decl})` : decl;
      return typeToC(
        btf,
        t.returnType,
        `${d}(${params.length ? params.join(", ") : "void"})`,
        depth + 1,
      );
    }
    case "func":
    case "var":
      return typeToC(btf, t.type, decl || t.name, depth + 1);
    case "datasec":
      return sp(`SEC("${t.name}")`);
    case "decl_tag":
      return sp(`__attribute__((btf_decl_tag("${t.name}")))`);
  }
}

/**
 * A C-like definition of type `id`: struct/union/enum bodies, typedefs, function and variable
 * declarations, and data sections as their variable lists. Deterministic; used by golden tests.
 */
export function formatBtfType(btf: Btf, id: number): string {
  const t = btf.types[id];
  if (t === undefined) return `<bad type ${id}>`;
  switch (t.kind) {
    case "struct":
    case "union": {
      const body = t.members.map((m) => {
        const bits = m.bitfieldSize ? ` : ${m.bitfieldSize}` : "";
        return `\t${typeToC(btf, m.type, m.name)}${bits}; /* bit ${m.bitOffset} */`;
      });
      return `${t.kind} ${t.name ? t.name + " " : ""}{ /* size ${t.size} */\n${body.join("\n")}\n};`;
    }
    case "enum":
    case "enum64":
      return `enum ${t.name ? t.name + " " : ""}{\n${t.values.map((e) => `\t${e.name} = ${e.value},`).join("\n")}\n};`;
    case "typedef":
      return `typedef ${typeToC(btf, t.type, t.name)};`;
    case "func":
      return `${t.linkage === 0 ? "static " : ""}${typeToC(btf, t.type, t.name)};`;
    case "var":
      return `${t.linkage === 0 ? "static " : t.linkage === 2 ? "extern " : ""}${typeToC(btf, t.type, t.name)};`;
    case "datasec": {
      const body = t.vars.map(
        (x) => `\t${formatBtfType(btf, x.type)} /* offset ${x.offset}, size ${x.size} */`,
      );
      return `SEC("${t.name}") { /* size ${t.size} */\n${body.join("\n")}\n}`;
    }
    default:
      return typeToC(btf, id);
  }
}
