policy:  ; section cgroup/connect4
; examples/connect4-policy.ts:44
    0: r6 = r1
; examples/connect4-policy.ts:46
    1: w1 = *(u32 *)(r6 + 24)
    2: r1 = be16 r1
; examples/connect4-policy.ts:47
    3: *(u16 *)(r10 - 14) = w1
    4: r1 = 0 ll  ; map blocked
    6: r2 = r10
    7: r2 += -14
    8: call 1
    9: if r0 == 0 goto +21
; examples/connect4-policy.ts:40
   10: *(u32 *)(r10 - 4) = 1
   11: r1 = 0 ll  ; map verdicts
   13: r2 = r10
   14: r2 += -4
   15: call 1
; examples/connect4-policy.ts:41
   16: if r0 == 0 goto +2
   17: r1 = 1
   18: lock *(u64 *)(r0 + 0) += r1
; examples/connect4-policy.ts:49
   19: r0 = 0
   20: exit
; examples/connect4-policy.ts:40
   21: *(u32 *)(r10 - 12) = 0
   22: r1 = 0 ll  ; map verdicts
   24: r2 = r10
   25: r2 += -12
   26: call 1
; examples/connect4-policy.ts:41
   27: if r0 == 0 goto +21
   28: r1 = 1
   29: lock *(u64 *)(r0 + 0) += r1
   30: goto +18
; examples/connect4-policy.ts:51
   31: r1 = 0 ll  ; map redirects
   33: r2 = r10
   34: r2 += -14
   35: call 1
; examples/connect4-policy.ts:52
   36: if r0 == 0 goto -16
; examples/connect4-policy.ts:53
   37: w2 = *(u16 *)(r0 + 0)
   38: r2 = be16 r2
   39: *(u32 *)(r6 + 24) = w2
; examples/connect4-policy.ts:40
   40: *(u32 *)(r10 - 8) = 2
   41: r1 = 0 ll  ; map verdicts
   43: r2 = r10
   44: r2 += -8
   45: call 1
; examples/connect4-policy.ts:41
   46: if r0 == 0 goto +2
   47: r1 = 1
   48: lock *(u64 *)(r0 + 0) += r1
; examples/connect4-policy.ts:55
   49: r0 = 1
   50: exit
