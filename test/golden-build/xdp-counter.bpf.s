countProtocols:  ; section xdp
; examples/xdp-counter.ts:22
    0: w4 = *(u32 *)(r1 + 0)
    1: w3 = *(u32 *)(r1 + 4)
    2: r1 = r4
    3: r1 += 14
; examples/xdp-counter.ts:23
    4: if r1 > r3 goto +16
; examples/xdp-counter.ts:24
    5: w2 = *(u16 *)(r4 + 12)
    6: if w2 != 8 goto +14
; examples/xdp-counter.ts:25
    7: r1 = r4
    8: r1 += 34
; examples/xdp-counter.ts:26
    9: if r1 > r3 goto +11
; examples/xdp-counter.ts:27
   10: w1 = *(u8 *)(r4 + 23)
; examples/xdp-counter.ts:28
   11: *(u32 *)(r10 - 4) = w1
   12: r1 = 0 ll  ; map byProtocol
   14: r2 = r10
   15: r2 += -4
   16: call 1
; examples/xdp-counter.ts:29
   17: if r0 == 0 goto +3
   18: r1 = *(u64 *)(r0 + 0)
   19: r1 += 1
   20: *(u64 *)(r0 + 0) = r1
; examples/xdp-counter.ts:23
   21: r0 = 2
   22: exit
