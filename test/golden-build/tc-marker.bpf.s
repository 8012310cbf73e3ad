marker:  ; section tc
; examples/tc-marker.ts:50
    0: r6 = r1
; examples/tc-marker.ts:51
    1: w5 = *(u32 *)(r6 + 76)
    2: w4 = *(u32 *)(r6 + 80)
    3: r3 = r5
    4: r3 += 14
; examples/tc-marker.ts:52
    5: if r3 > r4 goto +49
; examples/tc-marker.ts:53
    6: w2 = *(u16 *)(r5 + 12)
    7: if w2 != 8 goto +47
; examples/tc-marker.ts:54
    8: r1 = r5
    9: r1 += 34
; examples/tc-marker.ts:55
   10: if r1 > r4 goto +44
; examples/tc-marker.ts:56
   11: w2 = *(u8 *)(r5 + 23)
; examples/tc-marker.ts:57
   12: if w2 == 6 goto +1
   13: if w2 != 17 goto +41
; examples/tc-marker.ts:58
   14: w2 = *(u8 *)(r5 + 14)
   15: w2 &= 15
; examples/tc-marker.ts:59
   16: w2 *= 4
   17: r3 += r2
   18: r1 = r3
   19: r1 += 4
; examples/tc-marker.ts:60
   20: if r1 > r4 goto +34
; examples/tc-marker.ts:61
   21: w1 = *(u16 *)(r3 + 2)
   22: r1 = be16 r1
   23: *(u16 *)(r10 - 10) = w1
   24: r1 = 0 ll  ; map classes
   26: r2 = r10
   27: r2 += -10
   28: call 1
; examples/tc-marker.ts:62
   29: if r0 != 0 goto +11
; examples/tc-marker.ts:46
   30: *(u32 *)(r10 - 4) = 0
   31: r1 = 0 ll  ; map marked
   33: r2 = r10
   34: r2 += -4
   35: call 1
; examples/tc-marker.ts:47
   36: if r0 == 0 goto +18
   37: r1 = *(u64 *)(r0 + 0)
   38: r1 += 1
   39: *(u64 *)(r0 + 0) = r1
   40: goto +14
; examples/tc-marker.ts:66
   41: w2 = *(u32 *)(r0 + 0)
   42: *(u32 *)(r6 + 8) = w2
; examples/tc-marker.ts:67
   43: w2 = *(u32 *)(r0 + 4)
   44: *(u32 *)(r6 + 32) = w2
; examples/tc-marker.ts:46
   45: *(u32 *)(r10 - 8) = 1
   46: r1 = 0 ll  ; map marked
   48: r2 = r10
   49: r2 += -8
   50: call 1
; examples/tc-marker.ts:47
   51: if r0 == 0 goto +3
   52: r1 = *(u64 *)(r0 + 0)
   53: r1 += 1
   54: *(u64 *)(r0 + 0) = r1
; examples/tc-marker.ts:52
   55: r0 = 0
   56: exit
