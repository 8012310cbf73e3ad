onExit:  ; section tracepoint/sched/sched_process_exit
; examples/core-exitsnoop.ts:34
    0: call 14
; examples/core-exitsnoop.ts:36
    1: r7 = r0
    2: r7 >>= 32
    3: if w0 != w7 goto +50
; examples/core-exitsnoop.ts:37
    4: call 35
    5: r6 = r0
; examples/core-exitsnoop.ts:39
    6: call 5
    7: r8 = r0
    8: r1 = 1552  ; CO-RE 0 t1 0:115
    9: r3 = r6
   10: r3 += r1
   11: r1 = r10
   12: r1 += -32
   13: r2 = 8
   14: call 113
   15: r1 = *(u64 *)(r10 - 32)
   16: r0 = r8
   17: r0 -= r1
   18: *(u64 *)(r10 - 24) = r0
; examples/core-exitsnoop.ts:40
   19: *(u32 *)(r10 - 16) = w7
; examples/core-exitsnoop.ts:41
   20: r1 = 1280  ; CO-RE 0 t1 0:95
   21: r3 = r6
   22: r3 += r1
   23: r1 = r10
   24: r1 += -32
   25: r2 = 8
   26: call 113
   27: r3 = *(u64 *)(r10 - 32)
   28: r1 = 1268  ; CO-RE 0 t1 0:93
   29: r3 += r1
   30: r1 = r10
   31: r1 += -12
   32: r2 = 4
   33: call 113
; examples/core-exitsnoop.ts:42
   34: r1 = 1164  ; CO-RE 0 t1 0:65
   35: r3 = r6
   36: r3 += r1
   37: r1 = r10
   38: r1 += -36
   39: r2 = 4
   40: call 113
   41: w2 = *(u32 *)(r10 - 36)
; examples/core-exitsnoop.ts:43
   42: r1 = r2
   43: w1 >>= 8
   44: *(u32 *)(r10 - 8) = w1
; examples/core-exitsnoop.ts:44
   45: w2 &= 127
   46: *(u32 *)(r10 - 4) = w2
; examples/core-exitsnoop.ts:45
   47: r1 = 0 ll  ; map events
   49: r2 = r10
   50: r2 += -24
   51: r3 = 24
   52: r4 = 0
   53: call 130
; examples/core-exitsnoop.ts:36
   54: r0 = 0
   55: exit
