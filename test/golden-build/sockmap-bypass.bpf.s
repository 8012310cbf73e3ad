bypass:  ; section sk_msg
; examples/sockmap-bypass.ts:42
    0: w2 = *(u32 *)(r1 + 60)
    1: r2 = be32 r2
    2: *(u32 *)(r10 - 8) = w2
    3: w2 = *(u32 *)(r1 + 64)
    4: *(u32 *)(r10 - 4) = w2
; examples/sockmap-bypass.ts:43
    5: r2 = 0 ll  ; map sockets
    7: r3 = r10
    8: r3 += -8
    9: r4 = 1
   10: call 71
; examples/sockmap-bypass.ts:44
   11: r1 = 1
   12: if r0 != 1 goto +1
   13: r1 = 0
   14: *(u32 *)(r10 - 12) = w1
   15: r1 = 0 ll  ; map stats
   17: r2 = r10
   18: r2 += -12
   19: call 1
; examples/sockmap-bypass.ts:45
   20: if r0 == 0 goto +2
   21: r1 = 1
   22: lock *(u64 *)(r0 + 0) += r1
; examples/sockmap-bypass.ts:47
   23: r0 = 1
   24: exit
