portcount:  ; section tc
; examples/tc-portcount.ts:39
    0: w4 = *(u32 *)(r1 + 76)
    1: w3 = *(u32 *)(r1 + 80)
    2: r2 = r4
    3: r2 += 14
; examples/tc-portcount.ts:40
    4: if r2 > r3 goto +28
; examples/tc-portcount.ts:41
    5: w1 = *(u16 *)(r4 + 12)
    6: if w1 != 8 goto +26
; examples/tc-portcount.ts:42
    7: r2 = r4
    8: r2 += 34
; examples/tc-portcount.ts:43
    9: if r2 > r3 goto +23
; examples/tc-portcount.ts:44
   10: w1 = *(u8 *)(r4 + 23)
; examples/tc-portcount.ts:45
   11: if w1 == 6 goto +1
   12: if w1 != 17 goto +20
; examples/tc-portcount.ts:46
   13: w1 = *(u8 *)(r4 + 14)
   14: w1 &= 15
; examples/tc-portcount.ts:47
   15: w1 *= 4
   16: w1 += 14
   17: r2 = r4
   18: r2 += r1
   19: r1 = r2
   20: r1 += 4
; examples/tc-portcount.ts:48
   21: if r1 > r3 goto +11
; examples/tc-portcount.ts:49
   22: w1 = *(u16 *)(r2 + 2)
   23: r1 = be16 r1
; examples/tc-portcount.ts:50
   24: *(u16 *)(r10 - 10) = w1
   25: r1 = 0 ll  ; map portCounts
   27: r2 = r10
   28: r2 += -10
   29: call 1
; examples/tc-portcount.ts:51
   30: if r0 == 0 goto +4
   31: r1 = 1
   32: lock *(u64 *)(r0 + 0) += r1
; examples/tc-portcount.ts:40
   33: r0 = 0
   34: exit
; examples/tc-portcount.ts:52
   35: *(u64 *)(r10 - 8) = 1
   36: r1 = 0 ll  ; map portCounts
   38: r2 = r10
   39: r2 += -10
   40: r3 = r10
   41: r3 += -8
   42: r4 = 1
   43: call 2
; examples/tc-portcount.ts:51
   44: goto -12
