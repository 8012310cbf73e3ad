countProtocols:  ; section xdp
; examples/xdp-counter.ts:32
    0: r4 = r1
; examples/xdp-counter.ts:33
    1: w3 = *(u32 *)(r4 + 0)
    2: w2 = *(u32 *)(r4 + 4)
    3: r1 = r3
    4: r1 += 14
; examples/xdp-counter.ts:34
    5: if r1 <= r2 goto +2
    6: r0 = 2
    7: exit
; examples/xdp-counter.ts:35
    8: w1 = *(u16 *)(r3 + 12)
    9: if w1 == 8 goto +2
   10: r0 = 2
   11: exit
; examples/xdp-counter.ts:36
   12: w2 = *(u32 *)(r4 + 0)
   13: w3 = *(u32 *)(r4 + 4)
   14: r2 += 14
   15: r1 = r2
   16: r1 += 10
; examples/xdp-counter.ts:37
   17: if r1 <= r3 goto +2
   18: r0 = 2
   19: exit
; examples/xdp-counter.ts:38
   20: w1 = *(u8 *)(r2 + 9)
; examples/xdp-counter.ts:39
   21: *(u32 *)(r10 - 4) = w1
   22: r1 = 0 ll  ; map byProtocol
   24: r2 = r10
   25: r2 += -4
   26: call 1
; examples/xdp-counter.ts:40
   27: if r0 == 0 goto +3
   28: r1 = *(u64 *)(r0 + 0)
   29: r1 += 1
   30: *(u64 *)(r0 + 0) = r1
; examples/xdp-counter.ts:41
   31: r0 = 2
   32: exit
