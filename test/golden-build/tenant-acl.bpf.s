verdict:
; examples/tenant-acl.ts:57
    0: r6 = r1
; examples/tenant-acl.ts:58
    1: *(u32 *)(r10 - 4) = w6
    2: r1 = 0 ll  ; map verdicts
    4: r2 = r10
    5: r2 += -4
    6: call 1
; examples/tenant-acl.ts:59
    7: if r0 == 0 goto +3
    8: r2 = *(u64 *)(r0 + 0)
    9: r2 += 1
   10: *(u64 *)(r0 + 0) = r2
; examples/tenant-acl.ts:60
   11: r0 = r6
   12: exit

acl:  ; section xdp
; examples/tenant-acl.ts:63
    0: r6 = r1
; examples/tenant-acl.ts:64
    1: w7 = *(u32 *)(r6 + 0)
    2: w2 = *(u32 *)(r6 + 4)
    3: r1 = r7
    4: r1 += 14
; examples/tenant-acl.ts:65
    5: if r1 > r2 goto +37
    6: w1 = *(u16 *)(r7 + 12)
    7: if w1 != 8 goto +35
; examples/tenant-acl.ts:66
    8: r1 = r7
    9: r1 += 34
; examples/tenant-acl.ts:67
   10: if r1 > r2 goto +32
; examples/tenant-acl.ts:68
   11: w1 = *(u8 *)(r7 + 23)
; examples/tenant-acl.ts:69
   12: if w1 == 6 goto +1
   13: if w1 != 17 goto +29
; examples/tenant-acl.ts:70
   14: w1 = *(u32 *)(r7 + 30)
   15: *(u32 *)(r10 - 4) = w1
   16: r1 = 0 ll  ; map tenants
   18: r2 = r10
   19: r2 += -4
   20: call 1
; examples/tenant-acl.ts:71
   21: if r0 == 0 goto +21
; examples/tenant-acl.ts:72
   22: w2 = *(u8 *)(r7 + 14)
   23: w2 &= 15
; examples/tenant-acl.ts:73
   24: w2 *= 4
   25: w2 += 14
   26: w4 = *(u32 *)(r6 + 0)
   27: w3 = *(u32 *)(r6 + 4)
   28: r4 += r2
   29: r2 = r4
   30: r2 += 4
; examples/tenant-acl.ts:74
   31: if r2 > r3 goto +11
; examples/tenant-acl.ts:75
   32: w2 = *(u16 *)(r4 + 2)
   33: r2 = be16 r2
   34: *(u16 *)(r10 - 6) = w2
   35: r1 = r0
   36: r2 = r10
   37: r2 += -6
   38: call 1
; examples/tenant-acl.ts:76
   39: if r0 == 0 goto +3
   40: r1 = 1
   41: call pc-1  ; call verdict
   42: exit
; examples/tenant-acl.ts:65
   43: r1 = 2
   44: call pc-1  ; call verdict
   45: exit
