onSample:  ; section perf_event
; examples/profile.ts:39
    0: r6 = r1
; examples/profile.ts:40
    1: call 14
    2: r0 >>= 32
; examples/profile.ts:41
    3: if w0 == 0 goto +35
; examples/profile.ts:43
    4: *(u32 *)(r10 - 32) = w0
; examples/profile.ts:44
    5: r1 = r6
    6: r2 = 0 ll  ; map stacks
    8: r3 = 0
    9: call 27
   10: *(u32 *)(r10 - 28) = w0
; examples/profile.ts:45
   11: r1 = r6
   12: r2 = 0 ll  ; map stacks
   14: r3 = 256
   15: call 27
   16: *(u32 *)(r10 - 24) = w0
; examples/profile.ts:46
   17: r1 = r10
   18: r1 += -20
   19: r2 = 16
   20: call 16
; examples/profile.ts:47
   21: r1 = 0 ll  ; map counts
   23: r2 = r10
   24: r2 += -32
   25: call 1
; examples/profile.ts:48
   26: if r0 == 0 goto +3
   27: r1 = 1
   28: lock *(u64 *)(r0 + 0) += r1
   29: goto +9
; examples/profile.ts:49
   30: *(u64 *)(r10 - 40) = 1
   31: r1 = 0 ll  ; map counts
   33: r2 = r10
   34: r2 += -32
   35: r3 = r10
   36: r3 += -40
   37: r4 = 1
   38: call 2
; examples/profile.ts:41
   39: r0 = 0
   40: exit
