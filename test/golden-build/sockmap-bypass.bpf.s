bypass:  ; section sk_msg
; examples/sockmap-bypass.ts:42
    0: w2 = *(u32 *)(r1 + 60)
    1: r5 = r2
    2: w5 &= 255
    3: w5 <<= 24
    4: r4 = r2
    5: w4 >>= 8
    6: w4 &= 255
    7: w4 <<= 16
    8: w5 |= w4
    9: r3 = r2
   10: w3 >>= 16
   11: w3 &= 255
   12: w3 <<= 8
   13: w5 |= w3
   14: w2 >>= 24
   15: w2 &= 255
   16: w5 |= w2
   17: *(u32 *)(r10 - 8) = w5
   18: w2 = *(u32 *)(r1 + 64)
   19: *(u32 *)(r10 - 4) = w2
; examples/sockmap-bypass.ts:43
   20: r2 = 0 ll  ; map sockets
   22: r3 = r10
   23: r3 += -8
   24: r4 = 1
   25: call 71
; examples/sockmap-bypass.ts:44
   26: r1 = 1
   27: if r0 != 1 goto +1
   28: r1 = 0
   29: *(u32 *)(r10 - 12) = w1
   30: r1 = 0 ll  ; map stats
   32: r2 = r10
   33: r2 += -12
   34: call 1
; examples/sockmap-bypass.ts:45
   35: if r0 == 0 goto +2
   36: r1 = 1
   37: lock *(u64 *)(r0 + 0) += r1
; examples/sockmap-bypass.ts:47
   38: r0 = 1
   39: exit
