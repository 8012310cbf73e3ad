produce:  ; section xdp
; examples/flow-queue.ts:48
    0: w4 = *(u32 *)(r1 + 0)
    1: w3 = *(u32 *)(r1 + 4)
    2: r1 = r4
    3: r1 += 14
; examples/flow-queue.ts:49
    4: if r1 > r3 goto +34
    5: w2 = *(u16 *)(r4 + 12)
    6: if w2 != 8 goto +32
; examples/flow-queue.ts:50
    7: r1 = r4
    8: r1 += 34
; examples/flow-queue.ts:51
    9: if r1 > r3 goto +29
; examples/flow-queue.ts:52
   10: r6 = r10
   11: r6 += -16
   12: *(u32 *)(r10 - 8) = 0
; examples/flow-queue.ts:53
   13: w1 = *(u32 *)(r4 + 26)
   14: *(u32 *)(r10 - 16) = w1
; examples/flow-queue.ts:54
   15: w1 = *(u32 *)(r4 + 30)
   16: *(u32 *)(r10 - 12) = w1
; examples/flow-queue.ts:55
   17: w1 = *(u8 *)(r4 + 23)
   18: *(u8 *)(r10 - 8) = w1
; examples/flow-queue.ts:56
   19: r2 = r6
   20: r1 = 0 ll  ; map seen
   22: call 89
   23: if r0 == 0 goto +15
; examples/flow-queue.ts:57
   24: r2 = r6
   25: r1 = 0 ll  ; map seen
   27: r3 = 0
   28: call 87
; examples/flow-queue.ts:58
   29: r2 = r6
   30: r1 = 0 ll  ; map announced
   32: r3 = 0
   33: call 87
; examples/flow-queue.ts:60
   34: r2 = r6
   35: r1 = 0 ll  ; map recent
   37: r3 = 2
   38: call 87
; examples/flow-queue.ts:49
   39: r0 = 2
   40: exit

consume:  ; section xdp
; examples/flow-queue.ts:65
    0: r1 = 0 ll  ; map announced
    2: r2 = r10
    3: r2 += -16
    4: call 88
; examples/flow-queue.ts:66
    5: if r0 != 0 goto +21
; examples/flow-queue.ts:67
    6: w1 = *(u8 *)(r10 - 8)
; examples/flow-queue.ts:68
    7: *(u32 *)(r10 - 28) = w1
    8: r1 = 0 ll  ; map consumed
   10: r2 = r10
   11: r2 += -28
   12: call 1
; examples/flow-queue.ts:69
   13: if r0 == 0 goto +4
   14: r1 = *(u64 *)(r0 + 0)
   15: r1 += 1
   16: *(u64 *)(r0 + 0) = r1
   17: goto +9
; examples/flow-queue.ts:70
   18: *(u64 *)(r10 - 24) = 1
   19: r1 = 0 ll  ; map consumed
   21: r2 = r10
   22: r2 += -28
   23: r3 = r10
   24: r3 += -24
   25: r4 = 0
   26: call 2
; examples/flow-queue.ts:66
   27: r0 = 2
   28: exit
