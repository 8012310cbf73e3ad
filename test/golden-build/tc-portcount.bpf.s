portcount:  ; section tc
; examples/tc-portcount.ts:39
    0: w4 = *(u32 *)(r1 + 76)
    1: w3 = *(u32 *)(r1 + 80)
    2: r1 = r4
    3: r1 += 14
; examples/tc-portcount.ts:40
    4: if r1 > r3 goto +37
; examples/tc-portcount.ts:41
    5: w2 = *(u16 *)(r4 + 12)
    6: if w2 != 8 goto +35
; examples/tc-portcount.ts:42
    7: r1 = r4
    8: r1 += 34
; examples/tc-portcount.ts:43
    9: if r1 > r3 goto +32
; examples/tc-portcount.ts:44
   10: w2 = *(u8 *)(r4 + 23)
; examples/tc-portcount.ts:45
   11: if w2 == 6 goto +1
   12: if w2 != 17 goto +29
; examples/tc-portcount.ts:46
   13: w2 = *(u8 *)(r4 + 14)
   14: w2 &= 15
; examples/tc-portcount.ts:47
   15: w2 *= 4
   16: w2 += 14
   17: r4 += r2
   18: r1 = r4
   19: r1 += 4
; examples/tc-portcount.ts:48
   20: if r1 > r3 goto +21
; examples/tc-portcount.ts:49
   21: w1 = *(u16 *)(r4 + 2)
   22: r1 = be16 r1
; examples/tc-portcount.ts:50
   23: *(u16 *)(r10 - 10) = w1
   24: r1 = 0 ll  ; map portCounts
   26: r2 = r10
   27: r2 += -10
   28: call 1
; examples/tc-portcount.ts:51
   29: if r0 == 0 goto +3
   30: r1 = 1
   31: lock *(u64 *)(r0 + 0) += r1
   32: goto +9
; examples/tc-portcount.ts:52
   33: *(u64 *)(r10 - 8) = 1
   34: r1 = 0 ll  ; map portCounts
   36: r2 = r10
   37: r2 += -10
   38: r3 = r10
   39: r3 += -8
   40: r4 = 1
   41: call 2
; examples/tc-portcount.ts:40
   42: r0 = 0
   43: exit
