/**
 * Context struct layouts (`struct xdp_md`, `struct __sk_buff`, ...) of the uapi headers, as clang lays
 * them out for the BPF target (`clang -target bpf -Xclang -fdump-record-layouts`), so no offset is
 * computed by hand.
 *
 * Consumes the include directory; produces `ParsedLayout[]`: each struct's size and its top-level
 * fields (name, offset, byte size, element count for arrays, `ptr` for `__bpf_md_ptr` pointers, which
 * the header wraps in an 8-byte union). Members of an embedded struct are listed as `outer.inner`
 * (`regs.di` of `bpf_perf_event_data`). Bit-field padding is skipped.
 */
import { execFileSync } from "node:child_process";
import type { ContextField, ContextLayout } from "../../core/kernel/records.ts";

/**
 * The context structs recorded: every program type's uapi context, `bpf_flow_keys`, which a flow
 * dissector's `__sk_buff.flow_keys` points to and the program fills, and `bpf_devmap_val` /
 * `bpf_cpumap_val`, the values of devmap / cpumap entries that name an XDP program to run on the
 * frames redirected into them.
 */
export const CONTEXT_STRUCTS: readonly string[] = [
  "xdp_md",
  "__sk_buff",
  "bpf_sock",
  "bpf_sock_addr",
  "bpf_sock_ops",
  "sk_msg_md",
  "bpf_sysctl",
  "bpf_sockopt",
  "sk_reuseport_md",
  "bpf_sk_lookup",
  "bpf_flow_keys",
  "bpf_devmap_val",
  "bpf_cpumap_val",
  "bpf_cgroup_dev_ctx",
  "bpf_raw_tracepoint_args",
  "bpf_perf_event_data",
  "pt_regs",
];

type ParsedField = ContextField;
type ParsedLayout = ContextLayout;

const SCALAR_SIZE: Readonly<Record<string, number>> = {
  __u8: 1,
  __u16: 2,
  __u32: 4,
  __u64: 8,
  __s32: 4,
  __s64: 8,
  __be16: 2,
  __be32: 4,
  "unsigned long": 8,
  "unsigned int": 4,
  int: 4,
  long: 8,
};

/** Runs clang over a translation unit that needs every recorded struct's layout. */
export function dumpLayouts(includeDir = "/usr/include"): string {
  const source =
    `#include <linux/bpf.h>\n#include <linux/bpf_perf_event.h>\n` +
    `int sizes[] = {${CONTEXT_STRUCTS.map((s) => `sizeof(struct ${s})`).join(", ")}};\n`;
  return execFileSync(
    "clang-19",
    [
      "-target",
      "bpf",
      "-fsyntax-only",
      "-Xclang",
      "-fdump-record-layouts",
      `-I${includeDir}/x86_64-linux-gnu`,
      "-x",
      "c",
      "-",
    ],
    { input: source, encoding: "utf8", maxBuffer: 64 << 20 },
  );
}

/** Parses clang's record-layout dump into the recorded structs' layouts. */
export function parseLayoutDump(dump: string): ParsedLayout[] {
  const records = new Map<string, string[]>();
  for (const block of dump.split("*** Dumping AST Record Layout")) {
    const lines = block.split("\n").filter((l) => l.includes("|"));
    const head = /^\s*0 \| struct (\w+)$/.exec(lines[0] ?? "");
    if (head && !records.has(head[1]!)) records.set(head[1]!, lines);
  }
  return CONTEXT_STRUCTS.map((name) => {
    const lines = records.get(name);
    if (!lines) throw new Error(`clang layout dump: struct ${name} not found`);
    return parseRecord(name, lines);
  });
}

function parseRecord(name: string, lines: readonly string[]): ParsedLayout {
  const fields: ParsedField[] = [];
  let size = 0;
  const prefix: string[] = [];
  for (const line of lines.slice(1)) {
    const sz = /\[sizeof=(\d+)/.exec(line);
    if (sz) {
      size = Number(sz[1]);
      continue;
    }
    const m = /^\s*(\d+)(?::\S+)? \|( +)(.*)$/.exec(line);
    if (!m) continue;
    const depth = (m[2]!.length - 1) / 2;
    const body = m[3]!.trim();
    const offset = Number(m[1]);
    prefix.length = Math.max(0, depth - 1);
    const union = /^union /.test(body);
    const struct = /^struct (\w+) (\w+)$/.exec(body);
    if (union) {
      prefix.push("");
      continue;
    }
    if (struct) {
      prefix.push(struct[2]!);
      continue;
    }
    const f = /^(.+?)(?:\[(\d+)\])? (\w+)$/.exec(body);
    if (!f) continue; // bit-field padding has no name
    const path = [...prefix.filter((p) => p !== ""), f[3]!].join(".");
    const ctype = f[1]!.trim();
    if (ctype.endsWith("*")) {
      fields.push({ name: path, offset, size: 8, pointer: true });
      continue;
    }
    const elem = SCALAR_SIZE[ctype];
    if (elem === undefined) continue;
    fields.push({ name: path, offset, size: elem, ...(f[2] ? { count: Number(f[2]) } : {}) });
  }
  return { name, size, fields };
}
