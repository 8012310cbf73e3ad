verdict:
; examples/xdp-nat.ts:63
    0: r6 = r1
; examples/xdp-nat.ts:64
    1: *(u32 *)(r10 - 4) = w6
    2: r1 = 0 ll  ; map verdicts
    4: r2 = r10
    5: r2 += -4
    6: call 1
; examples/xdp-nat.ts:65
    7: if r0 == 0 goto +3
    8: r2 = *(u64 *)(r0 + 0)
    9: r2 += 1
   10: *(u64 *)(r0 + 0) = r2
; examples/xdp-nat.ts:66
   11: r0 = r6
   12: exit

replace32:
; examples/xdp-nat.ts:76
    0: r0 = r1
    1: r4 = r2
    2: r5 = r3
; examples/xdp-nat.ts:77
    3: w0 ^= -1
    4: w0 &= 65535
    5: w4 ^= -1
    6: r2 = r4
    7: w2 &= 65535
    8: w0 += w2
    9: w4 >>= 16
   10: w0 += w4
   11: r3 = r5
   12: w3 &= 65535
   13: w0 += w3
   14: r3 = r5
   15: w3 >>= 16
   16: w0 += w3
; examples/xdp-nat.ts:71
   17: r1 = r0
   18: w1 &= 65535
   19: w0 >>= 16
   20: w1 += w0
; examples/xdp-nat.ts:72
   21: r0 = r1
   22: w0 &= 65535
   23: w1 >>= 16
   24: w0 += w1
; examples/xdp-nat.ts:78
   25: w0 ^= -1
   26: w0 &= 65535
   27: exit

nat:  ; section xdp
; examples/xdp-nat.ts:86
    0: *(u64 *)(r10 - 32) = r1
; examples/xdp-nat.ts:87
    1: w8 = *(u32 *)(r1 + 0)
    2: r1 = *(u64 *)(r10 - 32)
    3: w2 = *(u32 *)(r1 + 4)
    4: r7 = r8
    5: r7 += 14
; examples/xdp-nat.ts:88
    6: if r7 > r2 goto +149
; examples/xdp-nat.ts:89
    7: w1 = *(u16 *)(r8 + 12)
    8: goto +0
    9: if w1 != 8 goto +146
; examples/xdp-nat.ts:90
   10: r7 = r8
   11: r7 += 34
; examples/xdp-nat.ts:91
   12: if r7 > r2 goto +143
; examples/xdp-nat.ts:92
   13: w9 = *(u8 *)(r8 + 23)
; examples/xdp-nat.ts:93
   14: if w9 == 6 goto +1
   15: if w9 != 17 goto +140
; examples/xdp-nat.ts:94
   16: w1 = *(u16 *)(r8 + 20)
   17: if w1 & 65311 goto +138
; examples/xdp-nat.ts:95
   18: w1 = *(u8 *)(r8 + 14)
   19: w1 &= 15
   20: w1 *= 4
   21: w1 += 14
; examples/xdp-nat.ts:96
   22: *(u64 *)(r10 - 64) = r1
   23: r7 = r8
   24: r1 = *(u64 *)(r10 - 64)
   25: r7 += r1
   26: r1 = r7
   27: r1 += 8
; examples/xdp-nat.ts:97
   28: if r1 > r2 goto +127
; examples/xdp-nat.ts:99
   29: *(u32 *)(r10 - 4) = 0
; examples/xdp-nat.ts:100
   30: w1 = *(u32 *)(r8 + 30)
   31: *(u32 *)(r10 - 8) = w1
; examples/xdp-nat.ts:101
   32: w1 = *(u16 *)(r7 + 2)
   33: r1 = be16 r1
   34: *(u16 *)(r10 - 4) = w1
; examples/xdp-nat.ts:102
   35: *(u8 *)(r10 - 2) = w9
; examples/xdp-nat.ts:103
   36: r1 = 0 ll  ; map backends
   38: r2 = r10
   39: r2 += -8
   40: call 1
; examples/xdp-nat.ts:104
   41: if r0 == 0 goto +114
; examples/xdp-nat.ts:105
   42: r1 = *(u64 *)(r0 + 0)
   43: *(u64 *)(r10 - 24) = r1
   44: r1 = *(u64 *)(r0 + 8)
   45: *(u64 *)(r10 - 16) = r1
; examples/xdp-nat.ts:107
   46: w1 = *(u32 *)(r8 + 30)
   47: *(u64 *)(r10 - 48) = r1
; examples/xdp-nat.ts:108
   48: w1 = *(u16 *)(r7 + 2)
   49: *(u64 *)(r10 - 56) = r1
; examples/xdp-nat.ts:109
   50: w6 = *(u16 *)(r10 - 20)
   51: r6 = be16 r6
; examples/xdp-nat.ts:110
   52: w1 = *(u32 *)(r10 - 24)
   53: *(u64 *)(r10 - 40) = r1
   54: *(u32 *)(r8 + 30) = w1
; examples/xdp-nat.ts:111
   55: w1 = *(u16 *)(r8 + 24)
   56: r2 = *(u64 *)(r10 - 48)
   57: r3 = *(u64 *)(r10 - 40)
   58: call pc-1  ; call replace32
   59: *(u16 *)(r8 + 24) = w0
; examples/xdp-nat.ts:112
   60: if w9 != 6 goto +33
; examples/xdp-nat.ts:113
   61: r1 = *(u64 *)(r10 - 32)
   62: w9 = *(u32 *)(r1 + 0)
   63: r1 = *(u64 *)(r10 - 32)
   64: w2 = *(u32 *)(r1 + 4)
   65: r1 = *(u64 *)(r10 - 64)
   66: r9 += r1
   67: r1 = r9
   68: r1 += 20
; examples/xdp-nat.ts:114
   69: if r1 > r2 goto +86
; examples/xdp-nat.ts:115
   70: w1 = *(u16 *)(r9 + 16)
   71: r2 = *(u64 *)(r10 - 48)
   72: r3 = *(u64 *)(r10 - 40)
   73: call pc-1  ; call replace32
   74: r2 = r0
; examples/xdp-nat.ts:83
   75: w2 ^= -1
   76: w2 &= 65535
   77: r1 = *(u64 *)(r10 - 56)
   78: w1 ^= -1
   79: w1 &= 65535
   80: w2 += w1
   81: w2 += w6
; examples/xdp-nat.ts:71
   82: r0 = r2
   83: w0 &= 65535
   84: w2 >>= 16
   85: w0 += w2
; examples/xdp-nat.ts:72
   86: r1 = r0
   87: w1 &= 65535
   88: w0 >>= 16
   89: w1 += w0
; examples/xdp-nat.ts:83
   90: w1 ^= -1
   91: w1 &= 65535
; examples/xdp-nat.ts:116
   92: *(u16 *)(r9 + 16) = w1
; examples/xdp-nat.ts:112
   93: goto +26
; examples/xdp-nat.ts:117
   94: w1 = *(u16 *)(r7 + 6)
   95: if w1 == 0 goto +24
; examples/xdp-nat.ts:119
   96: r2 = *(u64 *)(r10 - 48)
   97: r3 = *(u64 *)(r10 - 40)
   98: call pc-1  ; call replace32
   99: r2 = r0
; examples/xdp-nat.ts:83
  100: w2 ^= -1
  101: w2 &= 65535
  102: r1 = *(u64 *)(r10 - 56)
  103: w1 ^= -1
  104: w1 &= 65535
  105: w2 += w1
  106: w2 += w6
; examples/xdp-nat.ts:71
  107: r0 = r2
  108: w0 &= 65535
  109: w2 >>= 16
  110: w0 += w2
; examples/xdp-nat.ts:72
  111: r1 = r0
  112: w1 &= 65535
  113: w0 >>= 16
  114: w1 += w0
; examples/xdp-nat.ts:83
  115: w1 ^= -1
  116: w1 &= 65535
; examples/xdp-nat.ts:120
  117: if w1 != 0 goto +1
  118: r1 = 65535
  119: *(u16 *)(r7 + 6) = w1
; examples/xdp-nat.ts:122
  120: goto +0
  121: *(u16 *)(r7 + 2) = w6
; examples/xdp-nat.ts:125
  122: w1 = *(u8 *)(r8 + 0)
  123: *(u8 *)(r8 + 6) = w1
; examples/xdp-nat.ts:126
  124: w1 = *(u8 *)(r10 - 18)
  125: *(u8 *)(r8 + 0) = w1
; examples/xdp-nat.ts:125
  126: w1 = *(u8 *)(r8 + 1)
  127: *(u8 *)(r8 + 7) = w1
; examples/xdp-nat.ts:126
  128: w1 = *(u8 *)(r10 - 17)
  129: *(u8 *)(r8 + 1) = w1
; examples/xdp-nat.ts:125
  130: w1 = *(u8 *)(r8 + 2)
  131: *(u8 *)(r8 + 8) = w1
; examples/xdp-nat.ts:126
  132: w1 = *(u8 *)(r10 - 16)
  133: *(u8 *)(r8 + 2) = w1
; examples/xdp-nat.ts:125
  134: w1 = *(u8 *)(r8 + 3)
  135: *(u8 *)(r8 + 9) = w1
; examples/xdp-nat.ts:126
  136: w1 = *(u8 *)(r10 - 15)
  137: *(u8 *)(r8 + 3) = w1
; examples/xdp-nat.ts:125
  138: w1 = *(u8 *)(r8 + 4)
  139: *(u8 *)(r8 + 10) = w1
; examples/xdp-nat.ts:126
  140: w1 = *(u8 *)(r10 - 14)
  141: *(u8 *)(r8 + 4) = w1
; examples/xdp-nat.ts:125
  142: w1 = *(u8 *)(r8 + 5)
  143: *(u8 *)(r8 + 11) = w1
; examples/xdp-nat.ts:126
  144: w1 = *(u8 *)(r10 - 13)
  145: *(u8 *)(r8 + 5) = w1
; examples/xdp-nat.ts:128
  146: w1 = *(u32 *)(r10 - 12)
  147: if w1 != 0 goto +3
  148: r1 = 3
  149: call pc-1  ; call verdict
  150: exit
; examples/xdp-nat.ts:129
  151: r2 = 0
  152: call 23
  153: w1 = w0
  154: call pc-1  ; call verdict
  155: exit
; examples/xdp-nat.ts:88
  156: r1 = 2
  157: call pc-1  ; call verdict
  158: exit
