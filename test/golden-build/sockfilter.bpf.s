sockfilter:  ; section socket
; examples/sockfilter.ts:30
    0: r7 = r1
; examples/sockfilter.ts:31
    1: w1 = *(u32 *)(r7 + 16)
    2: if w1 != 8 goto +20
; examples/sockfilter.ts:33
    3: r1 = r7
    4: r2 = 23
    5: r3 = r10
    6: r3 += -5
    7: r4 = 1
    8: call 26
    9: if r0 s< 0 goto +13
; examples/sockfilter.ts:34
   10: w6 = *(u8 *)(r10 - 5)
; examples/sockfilter.ts:35
   11: *(u32 *)(r10 - 4) = w6
   12: r1 = 0 ll  ; map protoCounts
   14: r2 = r10
   15: r2 += -4
   16: call 1
; examples/sockfilter.ts:36
   17: if r0 == 0 goto +2
   18: r2 = 1
   19: lock *(u64 *)(r0 + 0) += r2
; examples/sockfilter.ts:37
   20: if w6 != 6 goto +2
   21: w0 = *(u32 *)(r7 + 0)
   22: exit
; examples/sockfilter.ts:31
   23: r0 = 0
   24: exit
