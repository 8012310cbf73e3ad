/**
 * A small kernel-BTF blob for tests of typed program arguments, so they do not depend on the build
 * machine's /sys/kernel/btf/vmlinux: `vfs_read` with its real prototype, functions exercising every
 * argument type (narrow signed/unsigned integers, bool, enum, a struct by value, void returns) and
 * the tracepoint typedef `btf_trace_demo_switch`.
 *
 * Produces the encoded bytes (core/btf `encodeBtf`), in the layout pahole writes for vmlinux.
 */
import { encodeBtf } from "../../core/btf/index.ts";
import type { BtfType } from "../../core/btf/index.ts";

const int = (name: string, size: number, encoding: number): BtfType => ({
  kind: "int",
  name,
  size,
  encoding,
  bitOffset: 0,
  bits: size * 8,
});
const SIGNED = 1;
const BOOL = 4;

/** Type ids of the fixture, named. */
const T = {
  int: 1,
  uint: 2,
  long: 3,
  ulong: 4,
  char: 5,
  bool: 6,
  size_t: 7,
  ssize_t: 8,
  loff_t: 9,
  file: 10,
  filePtr: 11,
  charPtr: 12,
  loffPtr: 13,
  vfsReadProto: 14,
  vfsRead: 15,
  short: 16,
  uchar: 17,
  mode: 18,
  narrowProto: 19,
  narrow: 20,
  pair: 21,
  pairProto: 22,
  pairFn: 23,
  voidPtr: 24,
  constVoid: 25,
  freeProto: 26,
  free: 27,
  tpProto: 28,
  tpPtr: 29,
  tpTypedef: 30,
} as const;

const types: BtfType[] = [
  { kind: "void" },
  int("int", 4, SIGNED),
  int("unsigned int", 4, 0),
  int("long", 8, SIGNED),
  int("unsigned long", 8, 0),
  int("char", 1, SIGNED),
  int("_Bool", 1, BOOL),
  { kind: "typedef", name: "size_t", type: T.ulong },
  { kind: "typedef", name: "ssize_t", type: T.long },
  { kind: "typedef", name: "loff_t", type: T.long },
  { kind: "struct", name: "file", size: 0, members: [], kindFlag: false },
  { kind: "ptr", name: "", type: T.file },
  { kind: "ptr", name: "", type: T.char },
  { kind: "ptr", name: "", type: T.loff_t },
  {
    kind: "func_proto",
    returnType: T.ssize_t,
    params: [
      { name: "file", type: T.filePtr },
      { name: "buf", type: T.charPtr },
      { name: "count", type: T.size_t },
      { name: "pos", type: T.loffPtr },
    ],
  },
  { kind: "func", name: "vfs_read", type: T.vfsReadProto, linkage: 1 },
  int("short", 2, SIGNED),
  int("unsigned char", 1, 0),
  { kind: "enum", name: "mode", size: 4, signed: true, values: [{ name: "MODE_A", value: -1 }] },
  {
    kind: "func_proto",
    returnType: T.int,
    params: [
      { name: "a", type: T.int },
      { name: "b", type: T.short },
      { name: "c", type: T.uchar },
      { name: "d", type: T.bool },
      { name: "e", type: T.mode },
      { name: "f", type: T.uint },
    ],
  },
  { kind: "func", name: "demo_narrow", type: T.narrowProto, linkage: 1 },
  {
    kind: "struct",
    name: "pair",
    size: 16,
    members: [
      { name: "lo", type: T.ulong, bitOffset: 0, bitfieldSize: 0 },
      { name: "hi", type: T.ulong, bitOffset: 64, bitfieldSize: 0 },
    ],
    kindFlag: false,
  },
  {
    kind: "func_proto",
    returnType: T.long,
    params: [
      { name: "p", type: T.pair },
      { name: "after", type: T.int },
    ],
  },
  { kind: "func", name: "demo_pair", type: T.pairProto, linkage: 1 },
  { kind: "ptr", name: "", type: 0 },
  { kind: "const", name: "", type: T.voidPtr },
  { kind: "func_proto", returnType: 0, params: [{ name: "object", type: T.constVoid }] },
  { kind: "func", name: "demo_free", type: T.freeProto, linkage: 1 },
  {
    kind: "func_proto",
    returnType: 0,
    params: [
      { name: "__data", type: T.voidPtr },
      { name: "preempt", type: T.bool },
      { name: "prev_state", type: T.uint },
    ],
  },
  { kind: "ptr", name: "", type: T.tpProto },
  { kind: "typedef", name: "btf_trace_demo_switch", type: T.tpPtr },
];

/** The fixture BTF bytes. */
export function fixtureBtf(): Uint8Array {
  return encodeBtf({ types });
}
