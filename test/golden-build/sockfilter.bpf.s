sockfilter:  ; section socket
; examples/sockfilter.ts:20
    0: r7 = r1
; examples/sockfilter.ts:21
    1: w1 = *(u32 *)(r7 + 16)
    2: if w1 == 8 goto +2
    3: r0 = 0
    4: exit
; examples/sockfilter.ts:22
    5: *(u8 *)(r10 - 5) = 0
; examples/sockfilter.ts:23
    6: r1 = r7
    7: r2 = 23
    8: r3 = r10
    9: r3 += -5
   10: r4 = 1
   11: call 26
   12: if r0 s< 0 goto -10
; examples/sockfilter.ts:24
   13: w6 = *(u8 *)(r10 - 5)
; examples/sockfilter.ts:25
   14: *(u32 *)(r10 - 4) = w6
   15: r1 = 0 ll  ; map protoCounts
   17: r2 = r10
   18: r2 += -4
   19: call 1
; examples/sockfilter.ts:26
   20: if r0 == 0 goto +2
   21: r1 = 1
   22: lock *(u64 *)(r0 + 0) += r1
; examples/sockfilter.ts:27
   23: if w6 == 6 goto +2
   24: r0 = 0
   25: goto +1
   26: w0 = *(u32 *)(r7 + 0)
   27: exit
