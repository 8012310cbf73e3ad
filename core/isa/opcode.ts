/**
 * Bit-level anatomy of an eBPF instruction (RFC 9669 §3, §4, §5).
 *
 * Consumes nothing; produces the named field values and masks every other ISA module uses.
 * This is a leaf module: it imports nothing, and both the compiler and the runtime import it.
 *
 * The 64-bit basic encoding (little-endian in memory):
 *
 * ```
 *   63        32 31      16 15   12 11    8 7             0
 *  +------------+----------+-------+-------+---------------+
 *  |    imm     |  offset  |  src  |  dst  |    opcode     |
 *  +------------+----------+-------+-------+---------------+
 * ```
 *
 * The opcode byte of arithmetic and jump instructions (ALU, ALU64, JMP, JMP32):
 *
 * ```
 *   7      4   3    2     0
 *  +--------+-----+--------+
 *  |  code  | src | class  |      src: 0 = K (use imm), 1 = X (use src register)
 *  +--------+-----+--------+
 * ```
 *
 * The opcode byte of load and store instructions (LD, LDX, ST, STX):
 *
 * ```
 *   7    5 4    3 2     0
 *  +------+------+-------+
 *  | mode | size | class |
 *  +------+------+-------+
 * ```
 *
 * The wide instruction (lddw, opcode 0x18) takes two 64-bit slots; the second slot's imm holds the upper
 * 32 bits of the constant and all its other fields are zero.
 */

/** Instruction classes: the low three bits of the opcode (RFC 9669 §3.3). */
export const InsnClass = {
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  JMP32: 0x06,
  ALU64: 0x07,
} as const;
export type InsnClass = (typeof InsnClass)[keyof typeof InsnClass];

/** Mask selecting the class bits of an opcode. */
export const CLASS_MASK = 0x07;
/** Mask selecting the source bit of an arithmetic or jump opcode. */
export const SOURCE_MASK = 0x08;
/** Mask selecting the operation code of an arithmetic or jump opcode. */
export const CODE_MASK = 0xf0;
/** Mask selecting the mode bits of a load/store opcode. */
export const MODE_MASK = 0xe0;
/** Mask selecting the size bits of a load/store opcode. */
export const SIZE_MASK = 0x18;

/** Source operand selector (RFC 9669 §4): K = immediate, X = source register. */
export const Source = { K: 0x00, X: 0x08 } as const;

/** Arithmetic operation codes (RFC 9669 §4.1), already shifted into the high nibble. */
export const AluCode = {
  ADD: 0x00,
  SUB: 0x10,
  MUL: 0x20,
  DIV: 0x30,
  OR: 0x40,
  AND: 0x50,
  LSH: 0x60,
  RSH: 0x70,
  NEG: 0x80,
  MOD: 0x90,
  XOR: 0xa0,
  MOV: 0xb0,
  ARSH: 0xc0,
  END: 0xd0,
} as const;

/** Jump operation codes (RFC 9669 §4.3), already shifted into the high nibble. */
export const JmpCode = {
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  JSET: 0x40,
  JNE: 0x50,
  JSGT: 0x60,
  JSGE: 0x70,
  CALL: 0x80,
  EXIT: 0x90,
  JLT: 0xa0,
  JLE: 0xb0,
  JSLT: 0xc0,
  JSLE: 0xd0,
} as const;

/** Load/store modes (RFC 9669 §5), already shifted into bits 5–7. */
export const Mode = {
  IMM: 0x00,
  ABS: 0x20,
  IND: 0x40,
  MEM: 0x60,
  MEMSX: 0x80,
  ATOMIC: 0xc0,
} as const;

/** Load/store sizes (RFC 9669 §5), already shifted into bits 3–4. */
export const Size = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;

/** Byte count of each size code. */
export const SIZE_BYTES: Readonly<Record<number, 1 | 2 | 4 | 8>> = {
  [Size.W]: 4,
  [Size.H]: 2,
  [Size.B]: 1,
  [Size.DW]: 8,
};

/** Atomic operations, carried in the imm field of STX|ATOMIC instructions (RFC 9669 §5.3). */
export const AtomicOp = {
  ADD: 0x00,
  OR: 0x40,
  AND: 0x50,
  XOR: 0xa0,
  XCHG: 0xe0 | 0x01,
  CMPXCHG: 0xf0 | 0x01,
} as const;
/** Flag or-ed into an atomic imm to return the old value (BPF_FETCH). */
export const ATOMIC_FETCH = 0x01;

/**
 * Source-register values that give lddw (and call) a special meaning (RFC 9669 §5.4 and §4.3.1;
 * kernel uapi `BPF_PSEUDO_*`).
 */
export const PseudoSrc = {
  /** lddw: plain 64-bit constant. */
  NONE: 0,
  /** lddw: imm is a map file descriptor; the register gets the map. */
  MAP_FD: 1,
  /** lddw: imm is a map fd and the second imm an offset into its value. */
  MAP_VALUE: 2,
  /** lddw: imm is a BTF id of a kernel variable. */
  BTF_ID: 3,
  /** lddw: imm is a pc-relative instruction offset of a function. */
  FUNC: 4,
  /** lddw: imm is an index into the program's map table (fd_array). */
  MAP_IDX: 5,
  /** lddw: map index plus value offset. */
  MAP_IDX_VALUE: 6,
} as const;

/** call instruction source values (RFC 9669 §4.3.1). */
export const CallSrc = { HELPER: 0, LOCAL: 1, KFUNC: 2 } as const;

/** Number of general registers: r0–r10. */
export const REG_COUNT = 11;
/** The read-only frame pointer. */
export const FRAME_POINTER = 10;
/** Size of one instruction slot in bytes. */
export const INSN_SIZE = 8;
/** Stack bytes available to one BPF function frame. */
export const STACK_SIZE = 512;
