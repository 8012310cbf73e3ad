/**
 * A small kernel-BTF blob for tests of typed program arguments, so they do not depend on the build
 * machine's /sys/kernel/btf/vmlinux: `vfs_read` with its real prototype, functions exercising every
 * argument type (narrow signed/unsigned integers, bool, enum, a struct by value, void returns) and
 * the tracepoint typedef `btf_trace_demo_switch`; kernel structs of the CO-RE examples, the iterator
 * and LSM contexts, and tcp-reno's struct_ops type.
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

// Kernel structs for the CO-RE examples (examples/core-*.ts), shaped like the kernel's but small:
// the fields the examples read, at made-up offsets, with sock_common's anonymous struct/union
// nesting and task_struct's bitfield kept.
const add = (t: BtfType): number => types.push(t) - 1;
const member = (name: string, type: number, bitOffset: number, bitfieldSize = 0) => ({
  name,
  type,
  bitOffset,
  bitfieldSize,
});
const ushort = add(int("unsigned short", 2, 0));
const ulonglong = add(int("unsigned long long", 8, 0));
const u16 = add({ kind: "typedef", name: "__u16", type: ushort });
const u32 = add({ kind: "typedef", name: "__u32", type: T.uint });
const be16 = add({ kind: "typedef", name: "__be16", type: u16 });
const be32 = add({ kind: "typedef", name: "__be32", type: u32 });
const pidT = add({ kind: "typedef", name: "pid_t", type: T.int });
const u64 = add({ kind: "typedef", name: "u64", type: ulonglong });
const constUchar = add({ kind: "const", name: "", type: T.uchar });
const ucharPtr = add({ kind: "ptr", name: "", type: constUchar });
const qstr = add({
  kind: "struct",
  name: "qstr",
  size: 16,
  members: [member("hash_len", ulonglong, 0), member("name", ucharPtr, 64)],
  kindFlag: false,
});
const dentry = types.length;
const dentryPtr = dentry + 1;
add({
  kind: "struct",
  name: "dentry",
  size: 64,
  members: [
    member("d_flags", T.uint, 0),
    member("d_parent", dentryPtr, 192),
    member("d_name", qstr, 256),
  ],
  kindFlag: false,
});
add({ kind: "ptr", name: "", type: dentry });
const path = add({
  kind: "struct",
  name: "path",
  size: 16,
  members: [member("mnt", T.voidPtr, 0), member("dentry", dentryPtr, 64)],
  kindFlag: false,
});
types[T.file] = {
  kind: "struct",
  name: "file",
  size: 96,
  members: [member("f_mode", T.uint, 0), member("f_path", path, 512)],
  kindFlag: false,
};
const mm = add({
  kind: "struct",
  name: "mm_struct",
  size: 1024,
  members: [member("exe_file", T.filePtr, 7000)],
  kindFlag: false,
});
const mmPtr = add({ kind: "ptr", name: "", type: mm });
const task = types.length;
const taskPtr = task + 1;
add({
  kind: "struct",
  name: "task_struct",
  size: 3072,
  members: [
    member("__state", T.uint, 192),
    member("in_execve", T.uint, 9539, 1),
    member("in_iowait", T.uint, 9544, 1),
    member("mm", mmPtr, 9600),
    member("exit_code", T.int, 9728),
    member("pid", pidT, 10112),
    member("tgid", pidT, 10144),
    member("real_parent", taskPtr, 10240),
    member("start_time", u64, 12416),
    member("comm", task + 2, 14464),
  ],
  kindFlag: true,
});
add({ kind: "ptr", name: "", type: task });
add({ kind: "array", type: T.char, indexType: T.uint, nelems: 16 });
const addrs = add({
  kind: "struct",
  name: "",
  size: 8,
  members: [member("skc_daddr", be32, 0), member("skc_rcv_saddr", be32, 32)],
  kindFlag: false,
});
const addrUnion = add({
  kind: "union",
  name: "",
  size: 8,
  members: [member("skc_addrpair", ulonglong, 0), member("", addrs, 0)],
  kindFlag: false,
});
const ports = add({
  kind: "struct",
  name: "",
  size: 4,
  members: [member("skc_dport", be16, 0), member("skc_num", u16, 16)],
  kindFlag: false,
});
const portUnion = add({
  kind: "union",
  name: "",
  size: 4,
  members: [member("skc_portpair", u32, 0), member("", ports, 0)],
  kindFlag: false,
});
const sockCommon = add({
  kind: "struct",
  name: "sock_common",
  size: 136,
  members: [member("", addrUnion, 0), member("", portUnion, 96), member("skc_family", ushort, 128)],
  kindFlag: false,
});
const sock = add({
  kind: "struct",
  name: "sock",
  size: 760,
  members: [member("__sk_common", sockCommon, 0)],
  kindFlag: false,
});
add({
  kind: "enum",
  name: "pid_type",
  size: 4,
  signed: false,
  values: [
    { name: "PIDTYPE_PID", value: 0 },
    { name: "PIDTYPE_TGID", value: 1 },
  ],
});

// The iterator context of examples/tasklist.ts (struct bpf_iter__task, kernel/bpf/task_iter.c) and
// the LSM hook of examples/lsm-fileopen.ts (bpf_lsm_file_open, kernel/bpf/bpf_lsm.c).
const seqFile = add({ kind: "struct", name: "seq_file", size: 0, members: [], kindFlag: false });
const seqFilePtr = add({ kind: "ptr", name: "", type: seqFile });
const iterMeta = add({
  kind: "struct",
  name: "bpf_iter_meta",
  size: 24,
  members: [
    member("seq", seqFilePtr, 0),
    member("session_id", u64, 64),
    member("seq_num", u64, 128),
  ],
  kindFlag: false,
});
const iterMetaPtr = add({ kind: "ptr", name: "", type: iterMeta });
add({
  kind: "struct",
  name: "bpf_iter__task",
  size: 16,
  members: [member("meta", iterMetaPtr, 0), member("task", taskPtr, 64)],
  kindFlag: false,
});
const lsmFileOpenProto = add({
  kind: "func_proto",
  returnType: T.int,
  params: [{ name: "file", type: T.filePtr }],
});
add({ kind: "func", name: "bpf_lsm_file_open", type: lsmFileOpenProto, linkage: 0 });

// The struct_ops type of examples/tcp-reno.ts: tcp_congestion_ops with the members it fills (at
// made-up offsets) and its wrapper bpf_struct_ops_tcp_congestion_ops, which makes it a struct_ops
// type (kernel/bpf/bpf_struct_ops.c); tcp_sock with the snd_cwnd the example reads.
const sockPtr = add({ kind: "ptr", name: "", type: sock });
const u8 = add({ kind: "typedef", name: "u8", type: T.uchar });
add({
  kind: "struct",
  name: "tcp_sock",
  size: 2048,
  members: [member("snd_cwnd", u32, 11552)],
  kindFlag: false,
});
const fnPtr = (returnType: number, ...params: number[]) =>
  add({
    kind: "ptr",
    name: "",
    type: add({
      kind: "func_proto",
      returnType,
      params: params.map((type) => ({ name: "", type })),
    }),
  });
const sockToU32 = fnPtr(u32, sockPtr);
const tcpOps = add({
  kind: "struct",
  name: "tcp_congestion_ops",
  size: 64,
  members: [
    member("ssthresh", sockToU32, 0),
    member("cong_avoid", fnPtr(0, sockPtr, u32, u32), 64),
    member("set_state", fnPtr(0, sockPtr, u8), 128),
    member("undo_cwnd", sockToU32, 192),
    member("init", fnPtr(0, sockPtr), 256),
    member("name", task + 2, 320),
  ],
  kindFlag: false,
});
const commonValue = add({
  kind: "struct",
  name: "bpf_struct_ops_common_value",
  size: 8,
  members: [member("state", T.int, 32)],
  kindFlag: false,
});
add({
  kind: "struct",
  name: "bpf_struct_ops_tcp_congestion_ops",
  size: 72,
  members: [member("common", commonValue, 0), member("data", tcpOps, 64)],
  kindFlag: false,
});

/** The fixture BTF bytes. */
export function fixtureBtf(): Uint8Array {
  return encodeBtf({ types });
}
