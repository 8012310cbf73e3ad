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
   22: r8 = *(u64 *)(r10 - 24)
; examples/core-exepath.ts:33
   23: r1 = 0 ll  ; map events
   25: r2 = 68
   26: r3 = 0
   27: call 131
   28: r6 = r0
; examples/core-exepath.ts:34
   29: if r6 == 0 goto +36
; examples/core-exepath.ts:35
   30: call 14
   31: r0 >>= 32
   32: *(u32 *)(r6 + 0) = w0
; examples/core-exepath.ts:36
   33: r7 = 40  ; CO-RE 0 t352 0:4:1:1
   34: r3 = r8
   35: r3 += r7
   36: r1 = r10
   37: r1 += -32
   38: r2 = 8
   39: call 113
   40: r3 = *(u64 *)(r10 - 32)
   41: r1 = r6
   42: r1 += 4
   43: r2 = 32
   44: call 115
; examples/core-exepath.ts:37
   45: r1 = 24  ; CO-RE 0 t352 0:3
   46: r3 = r8
   47: r3 += r1
   48: r1 = r10
   49: r1 += -40
   50: r2 = 8
   51: call 113
   52: r3 = *(u64 *)(r10 - 40)
   53: r3 += r7
   54: r1 = r10
   55: r1 += -48
   56: r2 = 8
   57: call 113
   58: r3 = *(u64 *)(r10 - 48)
   59: r1 = r6
   60: r1 += 36
   61: r2 = 32
   62: call 115
; examples/core-exepath.ts:38
   63: r1 = r6
   64: r2 = 0
   65: call 132
; examples/core-exepath.ts:34
   66: r0 = 0
   67: exit
