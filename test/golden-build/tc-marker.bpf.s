count:
; examples/tc-marker.ts:46
    0: *(u32 *)(r10 - 4) = w1
    1: r1 = 0 ll  ; map marked
    3: r2 = r10
    4: r2 += -4
    5: call 1
; examples/tc-marker.ts:47
    6: if r0 == 0 goto +3
    7: r1 = *(u64 *)(r0 + 0)
    8: r1 += 1
    9: *(u64 *)(r0 + 0) = r1
; examples/tc-marker.ts:45
   10: r0 = 0
   11: exit

marker:  ; section tc
; examples/tc-marker.ts:50
    0: r6 = r1
; examples/tc-marker.ts:51
    1: w4 = *(u32 *)(r6 + 76)
    2: w3 = *(u32 *)(r6 + 80)
    3: r1 = r4
    4: r1 += 14
; examples/tc-marker.ts:52
    5: if r1 > r3 goto +34
; examples/tc-marker.ts:53
    6: w1 = *(u16 *)(r4 + 12)
    7: if w1 != 8 goto +32
; examples/tc-marker.ts:54
    8: r1 = r4
    9: r1 += 34
; examples/tc-marker.ts:55
   10: if r1 > r3 goto +29
; examples/tc-marker.ts:56
   11: w2 = *(u8 *)(r4 + 23)
; examples/tc-marker.ts:57
   12: if w2 == 6 goto +1
   13: if w2 != 17 goto +26
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
   21: if r1 > r3 goto +18
; examples/tc-marker.ts:61
   22: w1 = *(u16 *)(r4 + 2)
   23: r1 = be16 r1
   24: *(u16 *)(r10 - 2) = w1
   25: r1 = 0 ll  ; map classes
   27: r2 = r10
   28: r2 += -2
   29: call 1
; examples/tc-marker.ts:62
   30: if r0 != 0 goto +3
; examples/tc-marker.ts:63
   31: r1 = 0
   32: call pc-1  ; call count
; examples/tc-marker.ts:64
   33: goto +6
; examples/tc-marker.ts:66
   34: w2 = *(u32 *)(r0 + 0)
   35: *(u32 *)(r6 + 8) = w2
; examples/tc-marker.ts:67
   36: w2 = *(u32 *)(r0 + 4)
   37: *(u32 *)(r6 + 32) = w2
; examples/tc-marker.ts:68
   38: r1 = 1
   39: call pc-1  ; call count
; examples/tc-marker.ts:52
   40: r0 = 0
   41: exit
