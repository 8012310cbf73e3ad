onExec:  ; section tracepoint/sched/sched_process_exec
; examples/core-exepath.ts:32
    0: call 35
    1: r3 = r0
    2: r1 = 1136  ; CO-RE 0 t1 0:61
    3: r3 += r1
    4: r8 = r10
    5: r8 += -8
    6: r1 = r8
    7: r2 = 8
    8: call 113
    9: r3 = *(u64 *)(r10 - 8)
   10: r1 = 1320  ; CO-RE 0 t273 0:0:61
   11: r3 += r1
   12: r1 = r8
   13: r2 = 8
   14: call 113
   15: r3 = *(u64 *)(r10 - 8)
   16: r1 = 72  ; CO-RE 0 t325 0:10:0:1
   17: r3 += r1
   18: r1 = r8
   19: r2 = 8
   20: call 113
   21: r9 = *(u64 *)(r10 - 8)
; examples/core-exepath.ts:33
   22: r1 = 0 ll  ; map events
   24: r2 = 68
   25: r3 = 0
   26: call 131
   27: r6 = r0
; examples/core-exepath.ts:34
   28: if r6 == 0 goto +33
; examples/core-exepath.ts:35
   29: call 14
   30: r0 >>= 32
   31: *(u32 *)(r6 + 0) = w0
; examples/core-exepath.ts:36
   32: r7 = 40  ; CO-RE 0 t352 0:4:1:1
   33: r3 = r9
   34: r3 += r7
   35: r1 = r8
   36: r2 = 8
   37: call 113
   38: r3 = *(u64 *)(r10 - 8)
   39: r1 = r6
   40: r1 += 4
   41: r2 = 32
   42: call 115
; examples/core-exepath.ts:37
   43: r1 = 24  ; CO-RE 0 t352 0:3
   44: r3 = r9
   45: r3 += r1
   46: r1 = r8
   47: r2 = 8
   48: call 113
   49: r3 = *(u64 *)(r10 - 8)
   50: r3 += r7
   51: r1 = r8
   52: r2 = 8
   53: call 113
   54: r3 = *(u64 *)(r10 - 8)
   55: r1 = r6
   56: r1 += 36
   57: r2 = 32
   58: call 115
; examples/core-exepath.ts:38
   59: r1 = r6
   60: r2 = 0
   61: call 132
; examples/core-exepath.ts:34
   62: r0 = 0
   63: exit
