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
    4: if r1 > r3 goto +33
; examples/lpm-firewall.ts:61
    5: w2 = *(u16 *)(r4 + 12)
    6: if w2 != 8 goto +34
; examples/lpm-firewall.ts:62
    7: r1 = r4
    8: r1 += 34
; examples/lpm-firewall.ts:63
    9: if r1 > r3 goto +28
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
   18: if r0 != 0 goto +3
; examples/lpm-firewall.ts:69
   19: r1 = 2
   20: call pc-1  ; call verdict
; examples/lpm-firewall.ts:68
   21: exit
; examples/lpm-firewall.ts:70
   22: w1 = *(u32 *)(r0 + 0)
   23: if w1 != 0 goto +3
; examples/lpm-firewall.ts:71
   24: r1 = 1
   25: call pc-1  ; call verdict
; examples/lpm-firewall.ts:70
   26: goto +2
; examples/lpm-firewall.ts:72
   27: r1 = 2
   28: call pc-1  ; call verdict
; examples/lpm-firewall.ts:68
   29: goto -9
; examples/lpm-firewall.ts:83
   30: w1 = *(u32 *)(r0 + 0)
   31: if w1 != 0 goto +3
; examples/lpm-firewall.ts:84
   32: r1 = 1
   33: call pc-1  ; call verdict
; examples/lpm-firewall.ts:83
   34: goto +2
; examples/lpm-firewall.ts:85
   35: r1 = 2
   36: call pc-1  ; call verdict
; examples/lpm-firewall.ts:81
   37: goto +24
; examples/lpm-firewall.ts:60
   38: r1 = 2
   39: call pc-1  ; call verdict
   40: exit
; examples/lpm-firewall.ts:74
   41: if w2 != 56710 goto -4
; examples/lpm-firewall.ts:75
   42: r1 = r4
   43: r1 += 54
; examples/lpm-firewall.ts:76
   44: if r1 > r3 goto -7
; examples/lpm-firewall.ts:78
   45: *(u32 *)(r10 - 32) = 128
; examples/lpm-firewall.ts:79
   46: w1 = *(u32 *)(r4 + 22)
   47: *(u32 *)(r10 - 28) = w1
   48: w1 = *(u32 *)(r4 + 26)
   49: *(u32 *)(r10 - 24) = w1
   50: w1 = *(u32 *)(r4 + 30)
   51: *(u32 *)(r10 - 20) = w1
   52: w1 = *(u32 *)(r4 + 34)
   53: *(u32 *)(r10 - 16) = w1
; examples/lpm-firewall.ts:80
   54: r1 = 0 ll  ; map rules6
   56: r2 = r10
   57: r2 += -32
   58: call 1
; examples/lpm-firewall.ts:81
   59: if r0 != 0 goto -30
; examples/lpm-firewall.ts:82
   60: r1 = 2
   61: call pc-1  ; call verdict
; examples/lpm-firewall.ts:81
   62: exit
