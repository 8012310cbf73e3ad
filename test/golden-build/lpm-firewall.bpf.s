verdict:
; examples/lpm-firewall.ts:52
    0: r6 = r1
; examples/lpm-firewall.ts:53
    1: *(u32 *)(r10 - 4) = w6
    2: r1 = 0 ll  ; map verdicts
    4: r2 = r10
    5: r2 += -4
    6: call 1
; examples/lpm-firewall.ts:54
    7: if r0 == 0 goto +3
    8: r2 = *(u64 *)(r0 + 0)
    9: r2 += 1
   10: *(u64 *)(r0 + 0) = r2
; examples/lpm-firewall.ts:55
   11: r0 = r6
   12: exit

firewall:  ; section xdp
; examples/lpm-firewall.ts:59
    0: w4 = *(u32 *)(r1 + 0)
    1: w3 = *(u32 *)(r1 + 4)
    2: r1 = r4
    3: r1 += 14
; examples/lpm-firewall.ts:60
    4: if r1 > r3 goto +40
; examples/lpm-firewall.ts:61
    5: w2 = *(u16 *)(r4 + 12)
    6: if w2 != 8 goto +17
; examples/lpm-firewall.ts:62
    7: r1 = r4
    8: r1 += 34
; examples/lpm-firewall.ts:63
    9: if r1 > r3 goto +35
; examples/lpm-firewall.ts:65
   10: *(u32 *)(r10 - 8) = 32
; examples/lpm-firewall.ts:66
   11: w1 = *(u32 *)(r4 + 26)
   12: *(u32 *)(r10 - 4) = w1
; examples/lpm-firewall.ts:67
   13: r1 = 0 ll  ; map rules4
   15: r2 = r10
   16: r2 += -8
   17: call 1
; examples/lpm-firewall.ts:68
   18: if r0 == 0 goto +26
; examples/lpm-firewall.ts:70
   19: w1 = *(u32 *)(r0 + 0)
   20: if w1 != 0 goto +24
; examples/lpm-firewall.ts:71
   21: r1 = 1
   22: call pc-1  ; call verdict
; examples/lpm-firewall.ts:70
   23: exit
; examples/lpm-firewall.ts:74
   24: if w2 != 56710 goto +20
; examples/lpm-firewall.ts:75
   25: r1 = r4
   26: r1 += 54
; examples/lpm-firewall.ts:76
   27: if r1 > r3 goto +17
; examples/lpm-firewall.ts:78
   28: *(u32 *)(r10 - 32) = 128
; examples/lpm-firewall.ts:79
   29: w1 = *(u32 *)(r4 + 22)
   30: *(u32 *)(r10 - 28) = w1
   31: w1 = *(u32 *)(r4 + 26)
   32: *(u32 *)(r10 - 24) = w1
   33: w1 = *(u32 *)(r4 + 30)
   34: *(u32 *)(r10 - 20) = w1
   35: w1 = *(u32 *)(r4 + 34)
   36: *(u32 *)(r10 - 16) = w1
; examples/lpm-firewall.ts:80
   37: r1 = 0 ll  ; map rules6
   39: r2 = r10
   40: r2 += -32
   41: call 1
; examples/lpm-firewall.ts:81
   42: if r0 == 0 goto +2
; examples/lpm-firewall.ts:83
   43: w1 = *(u32 *)(r0 + 0)
   44: if w1 == 0 goto -24
; examples/lpm-firewall.ts:60
   45: r1 = 2
   46: call pc-1  ; call verdict
   47: exit
