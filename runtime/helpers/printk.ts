/**
 * bpf_trace_printk, bpf_trace_vprintk and bpf_snprintf, with the kernel's format subset
 * (kernel/bpf/helpers.c `bpf_bprintf_prepare`; Documentation/bpf/... "bpf_trace_printk").
 *
 * Accepted conversions: `%%`, `%c`, `%s`, `%d %i %u %x %X` with optional `l`/`ll`, pointers `%p %px
 * %pK %ps %pS %pB` (printed as hex addresses: the VM has no symbols), `%pks %pus` (kernel/user string),
 * `%pi4 %pI4 %pi6 %pI6` (IP addresses read through the pointer), each optionally preceded by flags
 * `0 + - space` and a width (no precision, as in the kernel). Anything else, a non-printable format
 * character, or more conversions than arguments makes the helper return -EINVAL and print nothing.
 * Without `l`, integer arguments are truncated to 32 bits, as the kernel does.
 *
 * Strings (`%s`, `%pks`, `%pus`) are read from VM memory, else from the fake kernel/user memory; an
 * unreadable string prints as empty, as in the kernel.
 */
import { Errno } from "../maps/index.ts";
import type { HelperCall, Memory } from "../vm/contract.ts";
import type { FakeAddressSpace, HelperEnv } from "./env.ts";
import type { HelperImpl } from "./types.ts";
import { errno, numArg } from "./types.ts";

/** Output buffer size of the kernel's printf helpers (MAX_BPRINTF_BUF). */
export const MAX_BPRINTF_BUF = 1024;
/** Longest string a `%s` prints (the kernel's per-string copy is bounded by the buffer). */
const MAX_STR = MAX_BPRINTF_BUF - 1;
/** Most arguments bpf_trace_vprintk / bpf_snprintf accept (MAX_BPRINTF_VARARGS). */
export const MAX_BPRINTF_VARARGS = 12;

/** Where the formatter reads strings and pointed-to bytes. */
export interface PrintfMemory {
  /** NUL-terminated string at `addr` in the given space (at most `max` bytes), or undefined. */
  string(addr: bigint, space: "kernel" | "user", max: number): string | undefined;
  /** `len` bytes at `addr`, or undefined. */
  bytes(addr: bigint, len: number): Uint8Array | undefined;
}

function pad(body: string, flags: string, width: number, numeric: boolean): string {
  if (body.length >= width) return body;
  if (flags.includes("-")) return body.padEnd(width, " ");
  if (numeric && flags.includes("0")) {
    const sign = /^[+\- ]/.test(body) ? body[0]! : "";
    return sign + body.slice(sign.length).padStart(width - sign.length, "0");
  }
  return body.padStart(width, " ");
}

function ipv4(b: Uint8Array, zeroPad: boolean): string {
  return [...b].map((x) => (zeroPad ? String(x).padStart(3, "0") : String(x))).join(".");
}

function ipv6(b: Uint8Array, colons: boolean): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push(((b[i]! << 8) | b[i + 1]!).toString(16).padStart(4, "0"));
  return colons ? groups.join(":") : groups.join("");
}

/**
 * Formats `fmt` with `args` (raw 64-bit values) under the kernel's rules. Returns the text (cut to
 * `limit` characters: the printk helpers' buffer by default), or null when the kernel would reject
 * the format (-EINVAL).
 */
export function formatBpfPrintf(
  fmt: string,
  args: readonly bigint[],
  mem: PrintfMemory,
  limit = MAX_BPRINTF_BUF - 1,
): string | null {
  let out = "";
  let argi = 0;
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    const code = ch.charCodeAt(0);
    const printable = (code >= 0x20 && code < 0x7f) || (code >= 9 && code <= 13);
    if (!printable) return null;
    if (ch !== "%") {
      out += ch;
      continue;
    }
    if (fmt[i + 1] === "%") {
      out += "%";
      i++;
      continue;
    }
    if (argi >= args.length) return null;
    i++;
    let flags = "";
    while ("0+- ".includes(fmt[i] ?? "x")) flags += fmt[i++];
    let width = 0;
    while (/[0-9]/.test(fmt[i] ?? "")) width = width * 10 + Number(fmt[i++]);
    const raw = BigInt.asUintN(64, args[argi++]!);
    const c = fmt[i];
    if (c === "p") {
      const next = fmt[i + 1] ?? "";
      let body: string;
      if (next === "k" || next === "u") {
        if (fmt[i + 2] !== "s") return null;
        i += 2;
        body = mem.string(raw, next === "k" ? "kernel" : "user", MAX_STR) ?? "";
      } else if (next === "i" || next === "I") {
        const v = fmt[i + 2];
        if (v !== "4" && v !== "6") return null;
        i += 2;
        const bytes = mem.bytes(raw, v === "4" ? 4 : 16);
        body = bytes ? (v === "4" ? ipv4(bytes, next === "i") : ipv6(bytes, next === "I")) : "";
      } else {
        if ("xKsSB".includes(next) && next !== "") i++;
        else if (/[A-Za-z0-9]/.test(next)) return null;
        body = "0x" + raw.toString(16);
      }
      out += pad(body, flags, width, false);
      continue;
    }
    if (c === "s") {
      out += pad(mem.string(raw, "kernel", MAX_STR) ?? "", flags, width, false);
      continue;
    }
    if (c === "c") {
      out += pad(String.fromCharCode(Number(raw & 0xffn)), flags, width, false);
      continue;
    }
    let bits = 32;
    if (fmt[i] === "l") {
      bits = 64;
      i++;
      if (fmt[i] === "l") i++;
    }
    const conv = fmt[i];
    if (conv === undefined || !"iduxX".includes(conv)) return null;
    let body: string;
    if (conv === "d" || conv === "i") {
      const v = BigInt.asIntN(bits, raw);
      body = (v >= 0n ? (flags.includes("+") ? "+" : flags.includes(" ") ? " " : "") : "") + v;
    } else {
      const v = BigInt.asUintN(bits, raw);
      body =
        conv === "u" ? String(v) : conv === "x" ? v.toString(16) : v.toString(16).toUpperCase();
    }
    out += pad(body, flags, width, true);
  }
  return out.length > limit ? out.slice(0, limit) : out;
}

/** Reads a C string from VM memory: bytes up to NUL within one region, at most `max`. */
function vmString(memory: Memory, addr: bigint, max: number): string | undefined {
  const id = Number(BigInt.asUintN(64, addr) >> 32n);
  const region = id === 0 ? undefined : memory.region(id);
  if (!region) return undefined;
  const start = Number(addr & 0xffffffffn);
  if (start >= region.bytes.length) return undefined;
  let end = start;
  const limit = Math.min(region.bytes.length, start + max);
  while (end < limit && region.bytes[end] !== 0) end++;
  return latin1(region.bytes.subarray(start, end));
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

function vmBytes(memory: Memory, addr: bigint, len: number): Uint8Array | undefined {
  const id = Number(BigInt.asUintN(64, addr) >> 32n);
  const region = id === 0 ? undefined : memory.region(id);
  const start = Number(addr & 0xffffffffn);
  if (!region || start + len > region.bytes.length) return undefined;
  return region.bytes.slice(start, start + len);
}

/** The formatter's view of VM memory plus the fake kernel and user address spaces. */
export function printfMemory(memory: Memory, env: HelperEnv): PrintfMemory {
  const fake = (space: "kernel" | "user"): FakeAddressSpace =>
    space === "kernel" ? env.kernelMemory : env.userMemory;
  return {
    string(addr, space, max) {
      const s = vmString(memory, addr, max);
      if (s !== undefined) return s;
      const f = fake(space).readString(addr, max);
      return f ? latin1(f.bytes) : undefined;
    },
    bytes(addr, len) {
      return vmBytes(memory, addr, len) ?? env.kernelMemory.read(addr, len);
    },
  };
}

/** Reads the format string: `size` bytes that must contain a NUL; null when they do not. */
export function readFormat(call: HelperCall, addr: bigint, size: number): string | null {
  if (size === 0) return null;
  const bytes = call.memory.read(addr, size);
  const nul = bytes.indexOf(0);
  return nul < 0 ? null : latin1(bytes.subarray(0, nul));
}

/** Reads `len` bytes of u64 arguments (len a multiple of 8, at most 12 of them); null if invalid. */
export function readArgArray(call: HelperCall, addr: bigint, len: number): bigint[] | null {
  if (len % 8 !== 0 || len > MAX_BPRINTF_VARARGS * 8 || (len > 0 && addr === 0n)) return null;
  if (len === 0) return [];
  const b = call.memory.read(addr, len);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Array.from({ length: len / 8 }, (_, i) => view.getBigUint64(i * 8, true));
}

function emit(env: HelperEnv, text: string): bigint {
  env.printk.push({
    pid: env.process.pid,
    cpu: env.cpus.current,
    timeNs: env.clock(),
    message: text.endsWith("\n") ? text.slice(0, -1) : text,
  });
  return BigInt(text.length);
}

/** The printf-family helpers. */
export const PRINTK_HELPERS: readonly HelperImpl[] = [
  {
    name: "trace_printk",
    fn(call, env) {
      const fmt = readFormat(call, call.args[0], numArg(call, 2));
      if (fmt === null) return errno(Errno.EINVAL);
      const text = formatBpfPrintf(fmt, call.args.slice(2), printfMemory(call.memory, env));
      return text === null ? errno(Errno.EINVAL) : emit(env, text);
    },
  },
  {
    name: "trace_vprintk",
    fn(call, env) {
      const fmt = readFormat(call, call.args[0], numArg(call, 2));
      const args = readArgArray(call, call.args[2], numArg(call, 4));
      if (fmt === null || args === null) return errno(Errno.EINVAL);
      const text = formatBpfPrintf(fmt, args, printfMemory(call.memory, env));
      return text === null ? errno(Errno.EINVAL) : emit(env, text);
    },
  },
  {
    name: "snprintf",
    fn(call, env) {
      // long bpf_snprintf(char *str, u32 str_size, const char *fmt, u64 *data, u32 data_len)
      const size = numArg(call, 2);
      const fmtBytes = vmString(call.memory, call.args[2], MAX_BPRINTF_BUF);
      const args = readArgArray(call, call.args[3], numArg(call, 5));
      if (fmtBytes === undefined || args === null) return errno(Errno.EINVAL);
      const text = formatBpfPrintf(fmtBytes, args, printfMemory(call.memory, env));
      if (text === null) return errno(Errno.EINVAL);
      if (size > 0) {
        const out = new Uint8Array(size);
        for (let i = 0; i < Math.min(text.length, size - 1); i++) out[i] = text.charCodeAt(i);
        call.memory.write(call.args[0], out);
      }
      return BigInt(text.length + 1);
    },
  },
];
