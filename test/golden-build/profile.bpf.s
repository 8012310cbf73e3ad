onSample:  ; section perf_event
; examples/profile.ts:39
    0: r7 = r1
; examples/profile.ts:40
    1: call 14
    2: r0 >>= 32
; examples/profile.ts:41
    3: if w0 == 0 goto +40
; examples/profile.ts:42
    4: r6 = r10
    5: r6 += -20
    6: *(u32 *)(r6 + 0) = 0
    7: *(u32 *)(r6 + 4) = 0
    8: *(u32 *)(r6 + 8) = 0
    9: *(u32 *)(r6 + 12) = 0
; examples/profile.ts:43
   10: *(u32 *)(r10 - 32) = w0
; examples/profile.ts:44
   11: r1 = r7
   12: r2 = 0 ll  ; map stacks
   14: r3 = 0
   15: call 27
   16: *(u32 *)(r10 - 28) = w0
; examples/profile.ts:45
   17: r1 = r7
   18: r2 = 0 ll  ; map stacks
   20: r3 = 256
   21: call 27
   22: *(u32 *)(r10 - 24) = w0
; examples/profile.ts:46
   23: r1 = r6
   24: r2 = 16
   25: call 16
; examples/profile.ts:47
   26: r1 = 0 ll  ; map counts
   28: r2 = r10
   29: r2 += -32
   30: call 1
; examples/profile.ts:48
   31: if r0 == 0 goto +3
   32: r1 = 1
   33: lock *(u64 *)(r0 + 0) += r1
   34: goto +9
; examples/profile.ts:49
   35: *(u64 *)(r10 - 40) = 1
   36: r1 = 0 ll  ; map counts
   38: r2 = r10
   39: r2 += -32
   40: r3 = r10
   41: r3 += -40
   42: r4 = 1
   43: call 2
; examples/profile.ts:41
   44: r0 = 0
   45: exit
