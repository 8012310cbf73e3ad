portcount:  ; section tc
; examples/tc-portcount.ts:63
    0: w4 = *(u32 *)(r1 + 76)
    1: w3 = *(u32 *)(r1 + 80)
    2: r2 = r4
    3: r2 += 14
; examples/tc-portcount.ts:64
    4: if r2 > r3 goto +44
; examples/tc-portcount.ts:65
    5: w1 = *(u16 *)(r4 + 12)
    6: if w1 != 8 goto +42
; examples/tc-portcount.ts:66
    7: r2 = r4
    8: r2 += 34
; examples/tc-portcount.ts:67
    9: if r2 > r3 goto +39
; examples/tc-portcount.ts:68
   10: w1 = *(u8 *)(r4 + 23)
; examples/tc-portcount.ts:69
   11: if w1 != 6 goto +33
; examples/tc-portcount.ts:70
   12: w1 = *(u8 *)(r4 + 14)
   13: w1 &= 15
; examples/tc-portcount.ts:71
   14: w1 *= 4
   15: w1 += 14
   16: r2 = r4
   17: r2 += r1
   18: r1 = r2
   19: r1 += 4
; examples/tc-portcount.ts:72
   20: if r1 > r3 goto +28
; examples/tc-portcount.ts:73
   21: w2 = *(u16 *)(r2 + 2)
   22: r1 = r2
   23: w1 &= 255
   24: w1 <<= 8
   25: w2 >>= 8
   26: w2 &= 255
   27: w1 |= w2
; examples/tc-portcount.ts:74
   28: *(u16 *)(r10 - 10) = w1
   29: r1 = 0 ll  ; map portCounts
   31: r2 = r10
   32: r2 += -10
   33: call 1
; examples/tc-portcount.ts:75
   34: if r0 != 0 goto +12
; examples/tc-portcount.ts:76
   35: *(u64 *)(r10 - 8) = 1
   36: r1 = 0 ll  ; map portCounts
   38: r2 = r10
   39: r2 += -10
   40: r3 = r10
   41: r3 += -8
   42: r4 = 1
   43: call 2
; examples/tc-portcount.ts:75
   44: goto +4
; examples/tc-portcount.ts:69
   45: if w1 != 17 goto +3
   46: goto -35
; examples/tc-portcount.ts:75
   47: r1 = 1
   48: lock *(u64 *)(r0 + 0) += r1
; examples/tc-portcount.ts:64
   49: r0 = 0
   50: exit
