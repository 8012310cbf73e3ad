countVerdict:
; examples/xdp-firewall.ts:34
    0: r6 = r1
; examples/xdp-firewall.ts:35
    1: *(u32 *)(r10 - 4) = w6
    2: r1 = 0 ll  ; map verdicts
    4: r2 = r10
    5: r2 += -4
    6: call 1
; examples/xdp-firewall.ts:36
    7: if r0 == 0 goto +3
    8: r2 = *(u64 *)(r0 + 0)
    9: r2 += 1
   10: *(u64 *)(r0 + 0) = r2
; examples/xdp-firewall.ts:37
   11: r0 = r6
   12: exit

firewall:  ; section xdp
; examples/xdp-firewall.ts:41
    0: w4 = *(u32 *)(r1 + 0)
    1: w3 = *(u32 *)(r1 + 4)
    2: r1 = r4
    3: r1 += 14
; examples/xdp-firewall.ts:42
    4: if r1 > r3 goto +18
; examples/xdp-firewall.ts:43
    5: w2 = *(u16 *)(r4 + 12)
    6: if w2 != 8 goto +16
; examples/xdp-firewall.ts:44
    7: r1 = r4
    8: r1 += 34
; examples/xdp-firewall.ts:45
    9: if r1 > r3 goto +13
; examples/xdp-firewall.ts:46
   10: w1 = *(u32 *)(r4 + 26)
   11: *(u32 *)(r10 - 4) = w1
   12: r1 = 0 ll  ; map blocklist
   14: r2 = r10
   15: r2 += -4
   16: call 1
; examples/xdp-firewall.ts:47
   17: if r0 == 0 goto +5
; examples/xdp-firewall.ts:48
   18: r1 = 1
   19: lock *(u64 *)(r0 + 0) += r1
; examples/xdp-firewall.ts:49
   20: r1 = 1
   21: call pc-1  ; call countVerdict
   22: exit
; examples/xdp-firewall.ts:42
   23: r1 = 2
   24: call pc-1  ; call countVerdict
   25: exit
