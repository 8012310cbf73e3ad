countVerdict:
; examples/xdp-firewall.ts:57
    0: r6 = r1
; examples/xdp-firewall.ts:58
    1: *(u32 *)(r10 - 4) = w6
    2: r1 = 0 ll  ; map verdicts
    4: r2 = r10
    5: r2 += -4
    6: call 1
; examples/xdp-firewall.ts:59
    7: if r0 == 0 goto +3
    8: r1 = *(u64 *)(r0 + 0)
    9: r1 += 1
   10: *(u64 *)(r0 + 0) = r1
; examples/xdp-firewall.ts:60
   11: r0 = r6
   12: exit

firewall:  ; section xdp
; examples/xdp-firewall.ts:64
    0: w3 = *(u32 *)(r1 + 0)
    1: w2 = *(u32 *)(r1 + 4)
    2: r1 = r3
    3: r1 += 14
; examples/xdp-firewall.ts:65
    4: if r1 <= r2 goto +3
    5: r1 = 2
    6: call pc-1  ; call countVerdict
    7: exit
; examples/xdp-firewall.ts:66
    8: w1 = *(u16 *)(r3 + 12)
    9: if w1 != 8 goto -5
; examples/xdp-firewall.ts:67
   10: r1 = r3
   11: r1 += 34
; examples/xdp-firewall.ts:68
   12: if r1 > r2 goto -8
; examples/xdp-firewall.ts:69
   13: w1 = *(u32 *)(r3 + 26)
   14: *(u32 *)(r10 - 4) = w1
   15: r1 = 0 ll  ; map blocklist
   17: r2 = r10
   18: r2 += -4
   19: call 1
; examples/xdp-firewall.ts:70
   20: if r0 == 0 goto -16
; examples/xdp-firewall.ts:71
   21: r1 = 1
   22: lock *(u64 *)(r0 + 0) += r1
; examples/xdp-firewall.ts:72
   23: r1 = 1
   24: call pc-1  ; call countVerdict
   25: exit
