marker:  ; section tc
; examples/tc-marker.ts:50
    0: r6 = r1
; examples/tc-marker.ts:51
    1: w4 = *(u32 *)(r6 + 76)
    2: w3 = *(u32 *)(r6 + 80)
    3: r1 = r4
    4: r1 += 14
; examples/tc-marker.ts:52
    5: if r1 > r3 goto +50
; examples/tc-marker.ts:53
    6: w2 = *(u16 *)(r4 + 12)
    7: if w2 != 8 goto +48
; examples/tc-marker.ts:54
    8: r1 = r4
    9: r1 += 34
; examples/tc-marker.ts:55
   10: if r1 > r3 goto +45
; examples/tc-marker.ts:56
   11: w2 = *(u8 *)(r4 + 23)
; examples/tc-marker.ts:57
   12: if w2 == 6 goto +1
   13: if w2 != 17 goto +42
; examples/tc-marker.ts:58
   14: w2 = *(u8 *)(r4 + 14)
   15: w2 &= 15
; examples/tc-marker.ts:59
   16: w2 *= 4
   17: w2 += 14
   18: r4 += r2
   19: r1 = r4
   20: r1 += 4
; examples/tc-marker.ts:60
   21: if r1 > r3 goto +34
; examples/tc-marker.ts:61
   22: w1 = *(u16 *)(r4 + 2)
   23: r1 = be16 r1
   24: *(u16 *)(r10 - 10) = w1
   25: r1 = 0 ll  ; map classes
   27: r2 = r10
   28: r2 += -10
   29: call 1
; examples/tc-marker.ts:62
   30: if r0 != 0 goto +11
; examples/tc-marker.ts:46
   31: *(u32 *)(r10 - 4) = 0
   32: r1 = 0 ll  ; map marked
   34: r2 = r10
   35: r2 += -4
   36: call 1
; examples/tc-marker.ts:47
   37: if r0 == 0 goto +18
   38: r1 = *(u64 *)(r0 + 0)
   39: r1 += 1
   40: *(u64 *)(r0 + 0) = r1
   41: goto +14
; examples/tc-marker.ts:66
   42: w2 = *(u32 *)(r0 + 0)
   43: *(u32 *)(r6 + 8) = w2
; examples/tc-marker.ts:67
   44: w2 = *(u32 *)(r0 + 4)
   45: *(u32 *)(r6 + 32) = w2
; examples/tc-marker.ts:46
   46: *(u32 *)(r10 - 8) = 1
   47: r1 = 0 ll  ; map marked
   49: r2 = r10
   50: r2 += -8
   51: call 1
; examples/tc-marker.ts:47
   52: if r0 == 0 goto +3
   53: r1 = *(u64 *)(r0 + 0)
   54: r1 += 1
   55: *(u64 *)(r0 + 0) = r1
; examples/tc-marker.ts:52
   56: r0 = 0
   57: exit
