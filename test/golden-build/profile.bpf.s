onSample:  ; section perf_event
; examples/profile.ts:39
    0: r6 = r1
; examples/profile.ts:40
    1: call 14
    2: r0 >>= 32
    3: w1 = w0
; examples/profile.ts:41
    4: if w1 == 0 goto +42
; examples/profile.ts:42
    5: *(u32 *)(r10 - 36) = 0
    6: *(u32 *)(r10 - 32) = 0
    7: *(u32 *)(r10 - 28) = 0
    8: *(u32 *)(r10 - 24) = 0
    9: *(u32 *)(r10 - 20) = 0
   10: *(u32 *)(r10 - 16) = 0
   11: *(u32 *)(r10 - 12) = 0
; examples/profile.ts:43
   12: *(u32 *)(r10 - 36) = w0
; examples/profile.ts:44
   13: r1 = r6
   14: r2 = 0 ll  ; map stacks
   16: r3 = 0
   17: call 27
   18: *(u32 *)(r10 - 32) = w0
; examples/profile.ts:45
   19: r1 = r6
   20: r2 = 0 ll  ; map stacks
   22: r3 = 256
   23: call 27
   24: *(u32 *)(r10 - 28) = w0
; examples/profile.ts:46
   25: r1 = r10
   26: r1 += -24
   27: r2 = 16
   28: call 16
; examples/profile.ts:47
   29: r1 = 0 ll  ; map counts
   31: r2 = r10
   32: r2 += -36
   33: call 1
; examples/profile.ts:48
   34: if r0 != 0 goto +10
; examples/profile.ts:49
   35: *(u64 *)(r10 - 8) = 1
   36: r1 = 0 ll  ; map counts
   38: r2 = r10
   39: r2 += -36
   40: r3 = r10
   41: r3 += -8
   42: r4 = 1
   43: call 2
; examples/profile.ts:48
   44: goto +2
   45: r1 = 1
   46: lock *(u64 *)(r0 + 0) += r1
; examples/profile.ts:41
   47: r0 = 0
   48: exit
