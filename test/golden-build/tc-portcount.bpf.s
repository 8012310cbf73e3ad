portcount:  ; section tc
; examples/tc-portcount.ts:39
    0: w5 = *(u32 *)(r1 + 76)
    1: w4 = *(u32 *)(r1 + 80)
    2: r3 = r5
    3: r3 += 14
; examples/tc-portcount.ts:40
    4: if r3 > r4 goto +36
; examples/tc-portcount.ts:41
    5: w2 = *(u16 *)(r5 + 12)
    6: if w2 != 8 goto +34
; examples/tc-portcount.ts:42
    7: r1 = r5
    8: r1 += 34
; examples/tc-portcount.ts:43
    9: if r1 > r4 goto +31
; examples/tc-portcount.ts:44
   10: w2 = *(u8 *)(r5 + 23)
; examples/tc-portcount.ts:45
   11: if w2 == 6 goto +1
   12: if w2 != 17 goto +28
; examples/tc-portcount.ts:46
   13: w2 = *(u8 *)(r5 + 14)
   14: w2 &= 15
; examples/tc-portcount.ts:47
   15: w2 *= 4
   16: r3 += r2
   17: r1 = r3
   18: r1 += 4
; examples/tc-portcount.ts:48
   19: if r1 > r4 goto +21
; examples/tc-portcount.ts:49
   20: w1 = *(u16 *)(r3 + 2)
   21: r1 = be16 r1
; examples/tc-portcount.ts:50
   22: *(u16 *)(r10 - 10) = w1
   23: r1 = 0 ll  ; map portCounts
   25: r2 = r10
   26: r2 += -10
   27: call 1
; examples/tc-portcount.ts:51
   28: if r0 == 0 goto +3
   29: r1 = 1
   30: lock *(u64 *)(r0 + 0) += r1
   31: goto +9
; examples/tc-portcount.ts:52
   32: *(u64 *)(r10 - 8) = 1
   33: r1 = 0 ll  ; map portCounts
   35: r2 = r10
   36: r2 += -10
   37: r3 = r10
   38: r3 += -8
   39: r4 = 1
   40: call 2
; examples/tc-portcount.ts:40
   41: r0 = 0
   42: exit
