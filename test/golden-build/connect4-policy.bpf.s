policy:  ; section cgroup/connect4
; examples/connect4-policy.ts:44
    0: r6 = r1
; examples/connect4-policy.ts:46
    1: w1 = *(u32 *)(r6 + 24)
    2: w1 &= 65535
    3: r1 = be16 r1
; examples/connect4-policy.ts:47
    4: *(u16 *)(r10 - 14) = w1
    5: r1 = 0 ll  ; map blocked
    7: r2 = r10
    8: r2 += -14
    9: call 1
   10: if r0 == 0 goto +21
; examples/connect4-policy.ts:40
   11: *(u32 *)(r10 - 4) = 1
   12: r1 = 0 ll  ; map verdicts
   14: r2 = r10
   15: r2 += -4
   16: call 1
; examples/connect4-policy.ts:41
   17: if r0 == 0 goto +2
   18: r1 = 1
   19: lock *(u64 *)(r0 + 0) += r1
; examples/connect4-policy.ts:49
   20: r0 = 0
   21: exit
; examples/connect4-policy.ts:40
   22: *(u32 *)(r10 - 12) = 0
   23: r1 = 0 ll  ; map verdicts
   25: r2 = r10
   26: r2 += -12
   27: call 1
; examples/connect4-policy.ts:41
   28: if r0 == 0 goto +21
   29: r1 = 1
   30: lock *(u64 *)(r0 + 0) += r1
   31: goto +18
; examples/connect4-policy.ts:51
   32: r1 = 0 ll  ; map redirects
   34: r2 = r10
   35: r2 += -14
   36: call 1
; examples/connect4-policy.ts:52
   37: if r0 == 0 goto -16
; examples/connect4-policy.ts:53
   38: w2 = *(u16 *)(r0 + 0)
   39: r2 = be16 r2
   40: *(u32 *)(r6 + 24) = w2
; examples/connect4-policy.ts:40
   41: *(u32 *)(r10 - 8) = 2
   42: r1 = 0 ll  ; map verdicts
   44: r2 = r10
   45: r2 += -8
   46: call 1
; examples/connect4-policy.ts:41
   47: if r0 == 0 goto +2
   48: r1 = 1
   49: lock *(u64 *)(r0 + 0) += r1
; examples/connect4-policy.ts:55
   50: r0 = 1
   51: exit
