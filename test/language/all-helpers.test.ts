/**
 * Every kernel helper of the records (ids 1..211) is declared in stdlib/helpers.d.ts and compiles:
 * for each helper, a program of a kind that may call it (by the probed access facts and the
 * helper's context struct) calls it with an argument of each parameter kind, through the whole
 * compiler. Helpers taking callbacks get a TS function, compiled to a callback subprogram.
 */
import { describe, expect, it } from "vitest";
import {
  HELPER_ACCESS,
  HELPER_RECORDS,
  programType,
  type HelperRecord,
} from "../../core/kernel/index.ts";
import { compileSource } from "../../compiler/driver.ts";
import { formatDiagnostics } from "../../compiler/diag/index.ts";

/** The program kinds a helper call can sit in: stdlib function, its program type, its opening. */
const KINDS: readonly { fn: string; progType: string; open: string }[] = [
  { fn: "kprobe", progType: "KPROBE", open: `kprobe("vfs_read", (ctx) => {` },
  {
    fn: "tracepoint",
    progType: "TRACEPOINT",
    open: `tracepoint("raw_syscalls/sys_enter", (ctx) => {`,
  },
  {
    fn: "rawTracepoint",
    progType: "RAW_TRACEPOINT",
    open: `rawTracepoint("sys_enter", (ctx) => {`,
  },
  { fn: "perfEvent", progType: "PERF_EVENT", open: `perfEvent((ctx) => {` },
  { fn: "xdp", progType: "XDP", open: `xdp((ctx) => {` },
  { fn: "tc", progType: "SCHED_CLS", open: `tc((ctx) => {` },
  { fn: "socketFilter", progType: "SOCKET_FILTER", open: `socketFilter((ctx) => {` },
  // TRACING: fentry cannot be probed (it needs an attach target), so nothing is checked there.
  { fn: "fentry", progType: "TRACING", open: `fentry("vfs_read", (ctx) => {` },
  // An iterator (TRACING too): the seq_file helpers write to its output (the context is the seq).
  { fn: "iter", progType: "TRACING", open: `iter("task", (ctx) => {` },
];

/** The helpers that write an iterator's seq_file: only iter programs have one. */
const SEQ_HELPERS = new Set(["seq_printf", "seq_write"]);

type Kind = (typeof KINDS)[number];

/** The uapi context struct `h` takes, if it names one. */
const ctxOf = (h: HelperRecord) => h.params.find((p) => p.kind === "ctx" && p.ctxStruct)?.ctxStruct;
const hasCtx = (k: Kind, ctx: string | undefined) => !ctx || programType(k.progType)?.uapi === ctx;

/** A kind whose program type may call `h` and whose context is the one `h` takes, if any. */
function fittingKind(h: HelperRecord): Kind | undefined {
  const types = HELPER_ACCESS[h.name]?.types ?? [];
  const unchecked = types.length === 0;
  return KINDS.find(
    (k) =>
      (types.includes(k.progType) || (unchecked && k.progType === "TRACING")) &&
      hasCtx(k, ctxOf(h)),
  );
}

/**
 * The kind a helper's test program uses: a fitting one, else (the helper's program types have no
 * stdlib kind yet, e.g. SK_SKB or LWT for a `__sk_buff` helper) the first kind with its context, or
 * tc for a context no stdlib kind has (`sk_msg_md`, `bpf_sock_ops`, ...).
 */
function kindFor(h: HelperRecord): Kind {
  if (SEQ_HELPERS.has(h.name)) return KINDS.find((k) => k.fn === "iter")!;
  return (
    fittingKind(h) ?? KINDS.find((k) => hasCtx(k, ctxOf(h))) ?? KINDS.find((k) => k.fn === "tc")!
  );
}

/** The TS argument for each visible parameter. */
function argsFor(h: HelperRecord): string {
  const out: string[] = [];
  for (const p of h.params) {
    switch (p.kind) {
      case "size":
      case "varargs":
        break;
      case "map":
        out.push(h.name.startsWith("ringbuf") ? "events" : "counts");
        break;
      case "key":
        out.push("key");
        break;
      case "value":
        out.push("value");
        break;
      case "ctx":
        out.push("ctx");
        break;
      case "buf":
        out.push(p.readOnly && p.ctype.includes("char") ? `"x=%d"` : "buf");
        break;
      case "struct":
        out.push(
          p.struct === "bpf_spin_lock"
            ? "guard.lock"
            : p.struct === "bpf_timer"
              ? "timed.timer"
              : "pair",
        );
        break;
      case "callback":
        out.push(p.name === "callback_fn" ? "callback" : "0");
        break;
      default:
        out.push(p.kind === "int" ? "1" : "0");
    }
  }
  return out.join(", ");
}

/** A call of `h` as a test program's statement, for a helper whose override has its own form. */
function callFor(h: HelperRecord): string {
  switch (h.name) {
    case "map_lookup_elem":
      return `mapLookupElem(counts, key)`;
    case "map_update_elem":
      return `mapUpdateElem(counts, key, value)`;
    case "map_delete_elem":
      return `mapDeleteElem(counts, key)`;
    case "ringbuf_reserve":
      // Released on every path: an unreleased reservation is refused (TSB3020, and by the kernel).
      return `const r = ringbufReserve(events);\n  if (r !== null) ringbufDiscard(r, 0)`;
    case "trace_printk":
      return `tracePrintk("x=%d", 1)`;
    case "seq_printf":
      return `seqPrintf(ctx, "x=%d", 1)`;
    case "seq_write":
      return `seqWrite(ctx, buf)`;
    case "get_current_comm":
      return `getCurrentComm(comm)`;
    case "probe_read_kernel":
    case "probe_read_user":
      return `${h.fn}(pair, 0)`;
    case "probe_read_kernel_str":
    case "probe_read_user_str":
      return `${h.fn}(comm, 0)`;
    case "loop":
      return `loop(3, (i, c) => 0, pair)`;
    case "for_each_map_elem":
      return `forEachMapElem(counts, (m, k, v, c) => 0, pair)`;
    case "find_vma":
      return `findVma(0, 0, (task, vma, c) => 0, pair)`;
    case "user_ringbuf_drain":
      return `userRingbufDrain(inbox, (dynptr, c) => 0, pair)`;
    case "timer_set_callback":
      return `timerSetCallback(timed.timer, (m, k: Ref<u32>, v: Ref<Timed>) => 0)`;
  }
  return `${h.fn}(${argsFor(h)})`;
}

const HEAD = [
  `export const license = "GPL";`,
  `interface Pair { a: u64; b: u64 }`,
  `interface Timed { timer: BpfTimer; n: u64 }`,
  `interface Guard { lock: SpinLock; n: u64 }`,
  `function callback(): u64 { return 0; }`,
  `const counts = new HashMap<u32, u64>({ maxEntries: 16 });`,
  `const events = new RingBuf<Pair>({ maxEntries: 4096 });`,
  `const inbox = new UserRingBuf<Pair>({ maxEntries: 4096 });`,
].join("\n");

/** One module holding a program per helper of `helpers`. */
function moduleFor(helpers: readonly HelperRecord[]): string {
  const progs = helpers.map((h) => {
    const k = kindFor(h);
    return [
      `export const h${h.id} = ${k.open}`,
      `  let key: u32 = 1;`,
      `  let value: u64 = 2;`,
      `  const buf: FixedArray<u8, 16> = zeroed();`,
      `  const comm: CharArray<16> = zeroed();`,
      `  const pair: Pair = zeroed();`,
      `  const timed: Timed = zeroed();`,
      `  const guard: Guard = zeroed();`,
      `  ${callFor(h)};`,
      `  return 0;`,
      `});`,
    ].join("\n");
  });
  const names = new Set([
    "BpfTimer",
    "Ref",
    "SpinLock",
    "CharArray",
    "FixedArray",
    "HashMap",
    "RingBuf",
    "UserRingBuf",
    "u8",
    "u32",
    "u64",
    "zeroed",
    "ringbufDiscard",
  ]);
  for (const h of helpers) names.add(h.fn).add(kindFor(h).fn);
  return `import { ${[...names].join(", ")} } from "tsbpf";\n${HEAD}\n${progs.join("\n")}\n`;
}

/** Helpers with a fitting stdlib program kind (the rest wait for more program kinds, issue 9). */
const FITTING = 173;

const isCallback = (h: HelperRecord) => h.params.some((p) => p.kind === "callback");

describe("every kernel helper", () => {
  it("is a record with a stdlib name, ids 1..211", () => {
    expect(HELPER_RECORDS.length).toBe(211);
    HELPER_RECORDS.forEach((h, i) => expect(h.id).toBe(i + 1));
    expect(HELPER_RECORDS.map((h) => h.fn)).toContain("getPrandomU32");
  });

  it("compiles in a program that may call it", async () => {
    const helpers = HELPER_RECORDS.filter((h) => !isCallback(h) && fittingKind(h));
    // 211 = these + the callback helpers + those refused below for want of a program kind.
    expect(helpers.length).toBe(FITTING);
    const file = "all-helpers.ts";
    const source = moduleFor(helpers);
    const out = await compileSource(source, file, { check: true });
    const errors = out.diagnostics.filter((d) => d.severity === "error");
    expect(errors, formatDiagnostics(errors, { [file]: source })).toEqual([]);
    const names = new Set(out.spec!.programs.map((p) => p.name));
    for (const h of helpers) expect(names.has(`h${h.id}`)).toBe(true);
    // Each program calls its helper by id.
    for (const p of out.spec!.programs) {
      const id = Number(p.name.slice(1));
      expect(
        p.insns.some((i) => i.spec.kind === "call" && i.src === 0 && i.imm === id),
        p.name,
      ).toBe(true);
    }
  });

  it("whose program types have no stdlib kind yet is refused at the call (TSB3018)", async () => {
    const helpers = HELPER_RECORDS.filter((h) => !isCallback(h) && !fittingKind(h));
    expect(helpers.length).toBe(211 - 5 - FITTING);
    const file = "unfit.ts";
    const source = moduleFor(helpers);
    const out = await compileSource(source, file, { check: true });
    expect(out.diagnostics.map((d) => d.code)).toEqual(helpers.map(() => "TSB3018"));
    const lines = source.split("\n");
    out.diagnostics.forEach((d, i) => {
      expect(lines[d.line - 1]).toContain(`${helpers[i]!.fn}(`);
      expect(d.message).toContain(`bpf_${helpers[i]!.name} cannot be called from`);
    });
  });

  it("taking a callback compiles: the TS function is a callback subprogram", async () => {
    const helpers = HELPER_RECORDS.filter(isCallback);
    expect(helpers.map((h) => h.name).sort()).toEqual([
      "find_vma",
      "for_each_map_elem",
      "loop",
      "timer_set_callback",
      "user_ringbuf_drain",
    ]);
    const file = "callbacks.ts";
    const source = moduleFor(helpers);
    const out = await compileSource(source, file, { check: true });
    const errors = out.diagnostics.filter((d) => d.severity === "error");
    expect(errors, formatDiagnostics(errors, { [file]: source })).toEqual([]);
    // One callback subprogram per call, its address an lddw with BPF_PSEUDO_FUNC (src 4).
    const subprograms = (out.spec!.subprograms ?? [])
      .map((s) => s.name)
      .filter((n) => n !== "callback");
    expect(subprograms.sort()).toEqual(helpers.map((h) => `h${h.id}__cb`).sort());
    for (const p of out.spec!.programs)
      expect(
        p.insns.some((i) => i.spec.kind === "lddw" && i.src === 4),
        p.name,
      ).toBe(true);
  });
});
