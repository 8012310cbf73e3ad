onExec:  ; section tracepoint/sched/sched_process_exec
; examples/core-exepath.ts:32
    0: call 35
    1: r3 = r0
    2: r1 = 1136  ; CO-RE 0 t1 0:61
    3: r3 += r1
    4: r1 = r10
    5: r1 += -8
    6: r2 = 8
    7: call 113
    8: r3 = *(u64 *)(r10 - 8)
    9: r1 = 1320  ; CO-RE 0 t273 0:0:61
   10: r3 += r1
   11: r1 = r10
   12: r1 += -16
   13: r2 = 8
   14: call 113
   15: r3 = *(u64 *)(r10 - 16)
   16: r1 = 72  ; CO-RE 0 t325 0:10:0:1
   17: r3 += r1
   18: r1 = r10
   19: r1 += -24
   20: r2 = 8
   21: call 113
   22: r9 = *(u64 *)(r10 - 24)
; examples/core-exepath.ts:33
   23: r1 = 0 ll  ; map events
   25: r2 = 68
   26: r3 = 0
   27: call 131
   28: r6 = r0
; examples/core-exepath.ts:34
   29: if r6 == 0 goto +38
; examples/core-exepath.ts:35
   30: call 14
   31: r0 >>= 32
   32: *(u32 *)(r6 + 0) = w0
; examples/core-exepath.ts:36
   33: r7 = r6
   34: r7 += 4
   35: r8 = 40  ; CO-RE 0 t352 0:4:1:1
   36: r3 = r9
   37: r3 += r8
   38: r1 = r10
   39: r1 += -32
   40: r2 = 8
   41: call 113
   42: r3 = *(u64 *)(r10 - 32)
   43: r1 = r7
   44: r2 = 32
   45: call 115
; examples/core-exepath.ts:37
   46: r7 = r6
   47: r7 += 36
   48: r1 = 24  ; CO-RE 0 t352 0:3
   49: r3 = r9
   50: r3 += r1
   51: r1 = r10
   52: r1 += -40
   53: r2 = 8
   54: call 113
   55: r3 = *(u64 *)(r10 - 40)
   56: r3 += r8
   57: r1 = r10
   58: r1 += -48
   59: r2 = 8
   60: call 113
   61: r3 = *(u64 *)(r10 - 48)
   62: r1 = r7
   63: r2 = 32
   64: call 115
; examples/core-exepath.ts:38
   65: r1 = r6
   66: r2 = 0
   67: call 132
; examples/core-exepath.ts:34
   68: r0 = 0
   69: exit
