/**
 * The one catalogue of tsbpf diagnostic codes and message templates. Call sites refer to a code and
 * fill the `{placeholders}`; nothing else in the compiler spells user-facing message text.
 *
 * Ranges: TSB0xxx internal, TSB1xxx unsupported language constructs, TSB2xxx integer typing,
 * TSB3xxx eBPF-specific rules (maps, programs, helpers, memory). TypeScript's own diagnostics keep
 * their `TSnnnn` codes (see `typescriptDiagnostic` in diagnostic.ts).
 */

/** A catalogue entry: severity and a template with `{name}` placeholders. */
export interface DiagnosticTemplate {
  readonly severity: "error" | "warning";
  readonly template: string;
}

/** Every diagnostic tsbpf itself reports, by code. */
export const DIAGNOSTICS = {
  TSB0001: { severity: "error", template: "internal compiler error: {detail}" },
  TSB1001: {
    severity: "error",
    template: "{construct}: not supported in tsbpf programs; {instead}",
  },
  TSB1002: {
    severity: "error",
    template:
      "non-integer number '{text}': eBPF has no floating point; use integers (for example fixed-point scaled by 1000)",
  },
  TSB1003: {
    severity: "error",
    template: "type 'any' is not allowed; declare a concrete integer or struct type",
  },
  TSB1004: {
    severity: "error",
    template: "function '{name}' captures {what} '{variable}' of an enclosing function; {instead}",
  },
  TSB1005: {
    severity: "error",
    template:
      "recursive call to '{name}': eBPF programs cannot recurse; rewrite it as a bounded loop",
  },
  TSB1006: {
    severity: "error",
    template:
      "dynamic allocation ({what}) is not possible in eBPF; use a fixed-size local struct, FixedArray<T, N> or a map",
  },
  TSB1007: {
    severity: "error",
    template: "exceptions ({what}) are not supported; return an error code instead",
  },
  TSB1008: {
    severity: "error",
    template: "{what} is not supported: eBPF programs run to completion synchronously",
  },
  TSB1009: {
    severity: "error",
    template:
      "strings are only allowed as printk formats, map/program names and the license; {what}",
  },
  TSB1010: {
    severity: "error",
    template:
      "unknown function '{name}': only functions declared in this file and tsbpf helpers can be called",
  },
  TSB1011: {
    severity: "error",
    template:
      "object literals are only allowed to initialise a struct-typed variable, field or argument",
  },
  TSB2001: {
    severity: "error",
    template:
      "cannot implicitly convert {from} to {to}: it may lose bits; write {to}(...) to truncate explicitly",
  },
  TSB2002: {
    severity: "error",
    template:
      "operands mix signed {signed} and unsigned {unsigned}; convert one explicitly, e.g. {fix}",
  },
  TSB2003: { severity: "error", template: "constant {value} does not fit in {type}" },
  TSB2004: { severity: "error", template: "cannot use a value of type {type} here; {expected}" },
  TSB2005: {
    severity: "error",
    template:
      "{what} needs a type annotation (an integer type such as u32, a struct, or FixedArray<T, N>)",
  },
  TSB3001: { severity: "error", template: "printk: {problem}" },
  TSB3002: { severity: "error", template: "map '{name}': {problem}" },
  TSB3003: { severity: "error", template: "program: {problem}" },
  TSB3004: {
    severity: "error",
    template:
      "stack frame of '{name}' needs {bytes} bytes, over eBPF's 512-byte limit; move large data to a map",
  },
  TSB3005: { severity: "error", template: "index {index} is out of bounds for {type}" },
  TSB3006: {
    severity: "error",
    template:
      "{what} needs a memory location (a struct field, array element or map value), not a computed value",
  },
  TSB3007: {
    severity: "warning",
    template: 'no `export const license = "..."`; GPL-only helpers will be refused by the kernel',
  },
  TSB3008: { severity: "error", template: "cannot assign to {what}: {why}" },
  TSB3009: { severity: "error", template: "{type} has no field '{field}'" },
  TSB3010: { severity: "error", template: "{what} must be a compile-time integer constant" },
  TSB3011: {
    severity: "error",
    template: "'{name}' is not declared or not supported at top level; {instead}",
  },
  TSB3012: {
    severity: "error",
    template:
      "ctx.{method}() reads packet memory directly, which the kernel refuses in {kind} programs ({why}); {instead}",
  },
  TSB3013: {
    severity: "error",
    template: "{what} '{name}' is not in the kernel BTF ({source}); {hint}",
  },
  TSB3014: {
    severity: "error",
    template:
      "typed arguments of {what} '{name}' need the kernel's BTF, but {source} cannot be read ({reason}); compile with --btf <file> (a copy of /sys/kernel/btf/vmlinux from the target kernel), or read raw u64 words with ctx.arg(i)",
  },
  TSB3015: {
    severity: "error",
    template: "parameter '{param}' does not match `{proto}`: {problem}",
  },
  TSB3016: {
    severity: "error",
    template:
      "{helper} takes a callback ('{param}') whose parameters tsbpf does not know (helper-overrides.ts `callback`)",
  },
  TSB3017: {
    severity: "error",
    template:
      '{helper} is GPL-only in {progType} programs and the kernel refuses it under {license}; declare a GPL-compatible license (`export const license = "GPL"`)',
  },
  TSB3018: {
    severity: "error",
    template:
      "{helper} cannot be called from {progType} programs (the kernel's verifier refuses it); it is available to {allowed}",
  },
  TSB3019: {
    severity: "error",
    template:
      "no such tracepoint in the stdlib: '{name}' (nearest: {nearest}); for a tracepoint the stdlib does not describe, declare an interface with the fields of /sys/kernel/tracing/events/{name}/format and annotate ctx with it",
  },
  TSB3020: {
    severity: "error",
    template:
      "this ring-buffer record is neither submitted nor discarded on the path that returns at {exit}{where}; call submit() or discard() on it on every path (the kernel refuses a program that can leave a reservation unreleased)",
  },
  TSB3021: {
    severity: "error",
    template:
      "loop without a bound the verifier can see: {problem}; the kernel's verifier walks every iteration and refuses the program ('too complex' or 'BPF program is too large'); add a constant bound",
  },
  TSB3022: {
    severity: "error",
    template: "{type} has no field '{field}' in {source}; nearest fields: {nearest}",
  },
  TSB3023: {
    severity: "error",
    template: "no kernel type '{name}' in {source}{hint}",
  },
  TSB3024: {
    severity: "error",
    template:
      "kernel struct access needs the kernel's BTF, but {source} cannot be read ({reason}); compile with --btf <file> (a copy of /sys/kernel/btf/vmlinux)",
  },
  TSB3025: {
    severity: "error",
    template: "{what}: {problem}",
  },
  TSB3030: {
    severity: "error",
    template: "map '{name}': initial value {slot} must be {expected}, not '{text}'",
  },
  TSB3031: {
    severity: "error",
    template:
      'map \'{name}\': pinning must be the literal "byName" (pinned as /sys/fs/bpf/<name>, reused by the next load, like LIBBPF_PIN_BY_NAME) or "none", not {found}',
  },
  // TSB3070-TSB3079: maps of maps and the map kinds declared without support.
  TSB3070: {
    severity: "error",
    template:
      "map '{name}': {inner} cannot be the inner map of a map of maps; it takes a HashMap, ArrayMap, their per-CPU and LRU variants, an LpmTrie, a Queue, Stack or BloomFilter",
  },
  TSB3071: {
    severity: "error",
    template:
      "map '{name}': initial value {slot} ('{text}') does not match the inner map template: {problem} (the kernel refuses a map whose type, key and value sizes or flags differ from the template, and an array's capacity too)",
  },
  TSB3072: {
    severity: "error",
    template:
      "map '{name}': {cls} needs {option} (the inner map template: the maxEntries and flags every map it holds shares)",
  },
  TSB3090: {
    severity: "error",
    template:
      "map '{name}': a {cls}'s value is a u32 or {type} (the uapi struct naming an XDP program for its entries), not {found}",
  },
  TSB3073: {
    severity: "error",
    template: "map '{name}': {cls} ({kind}) is declared but not supported yet: {reason}",
  },
  // TSB3080-TSB3089: section spellings, ksyscall, freplace, struct_ops and reuseport programs.
  TSB3080: {
    severity: "error",
    template:
      'section "{spelling}" is not a spelling of SEC("{section}"): {spellings} (libbpf\'s section table, the rows that spell another)',
  },
  TSB3081: {
    severity: "error",
    template: "the options of {fn}: {problem}",
  },
  TSB3082: {
    severity: "error",
    template: "{fn} parameter '{param}': {problem}",
  },
  TSB3040: {
    severity: "error",
    template:
      "{fn} has no hook '{target}'; it takes one of {targets} (libbpf's SEC() names for this program type)",
  },
  TSB3041: {
    severity: "error",
    template:
      "cannot use '{field}' of the context: {which} may read only {readable} and write {writable} of struct {struct} (the kernel's verifier refuses any other field)",
  },
  // TSB3050-TSB3059: tracing program kinds (iterators, LSM, multi-probes, USDT).
  TSB3050: {
    severity: "error",
    template: "seqPrintf: {problem}",
  },
  TSB3051: {
    severity: "error",
    template:
      "{what} writes to an iterator's output, which only iter/<target> programs have; {hint}",
  },
  // TSB3120-TSB3129: BPF iterators.
  TSB3120: {
    severity: "error",
    template:
      "an iterator program returns {lo} (go on to the next object) or {hi} (end this read before the object, to retry it); the kernel's verifier refuses {value}",
  },
  // TSB4xxx: limits met by the BPF back end (compiler/target/bpf).
  TSB4001: {
    severity: "error",
    template:
      "function '{name}' is too large: a jump spans {distance} instructions, beyond the 16-bit offset of eBPF jumps; compile with --mcpu v4 (long jumps) or split the function",
  },
  TSB4002: {
    severity: "error",
    template: "{what} needs -mcpu v{needed} or later (compiling for v{mcpu}); {instead}",
  },
  TSB4003: {
    severity: "error",
    template: "a call passes at most 5 arguments (registers r1-r5); this one passes {count}",
  },
  // TSB4010-TSB4019: USDT argument reads (compiler/frontend/lower-usdt.ts).
  TSB4010: {
    severity: "error",
    template:
      "{fn} reads the arguments of a USDT probe site, which only usdt(...) programs have (this is a {kind} program)",
  },
  TSB4011: {
    severity: "error",
    template:
      "usdtArg's argument index must be a constant from 0 to {max} (libbpf's limit of {count} arguments a probe site can pass), got {got}",
  },
  TSB4012: {
    severity: "error",
    template:
      "parameter '{param}': a usdt program binds at most {max} probe arguments after ctx (libbpf's limit)",
  },
  // TSB3100-TSB3109: struct_ops maps (`structOps(...)`, compiler/frontend/struct-ops.ts).
  TSB3100: {
    severity: "error",
    template: "structOps: {problem}",
  },
  TSB3101: {
    severity: "error",
    template: "'{struct}' is not a struct_ops type of the kernel BTF ({source}): {reason}; {hint}",
  },
  TSB3102: {
    severity: "error",
    template: "struct {struct} has no member '{member}'{nearest}",
  },
  TSB3103: {
    severity: "error",
    template: "member '{member}' of struct {struct} is {what}, so it takes {expected}, not {found}",
  },
  TSB3104: {
    severity: "error",
    template:
      "member '{member}' of struct {struct} is `{proto}`: its program takes ctx and at most {count} argument{s}, not {found}",
  },
  TSB3105: {
    severity: "error",
    template: "member '{member}' of struct {struct} ({cType}): {problem}",
  },
} as const satisfies Record<string, DiagnosticTemplate>;

/** A tsbpf diagnostic code. */
export type DiagnosticCode = keyof typeof DIAGNOSTICS;

/** Fills a template's `{name}` placeholders; a missing argument stays visible as `{name}`. */
export function formatMessage(
  code: DiagnosticCode,
  args: Readonly<Record<string, string | number>> = {},
): string {
  return DIAGNOSTICS[code].template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in args ? String(args[key]) : whole,
  );
}
