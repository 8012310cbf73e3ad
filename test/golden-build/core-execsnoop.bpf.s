onExec:  ; section tracepoint/sched/sched_process_exec
; examples/core-execsnoop.ts:34
    0: call 35
    1: r7 = r0
; examples/core-execsnoop.ts:35
    2: r1 = 0 ll  ; map events
    4: r2 = 28
    5: r3 = 0
    6: call 131
    7: r6 = r0
; examples/core-execsnoop.ts:36
    8: if r6 == 0 goto +41
; examples/core-execsnoop.ts:37
    9: call 14
   10: r0 >>= 32
   11: *(u32 *)(r6 + 0) = w0
; examples/core-execsnoop.ts:38
   12: r1 = 1280  ; CO-RE 0 t1 0:95
   13: r3 = r7
   14: r3 += r1
   15: r1 = r10
   16: r1 += -8
   17: r2 = 8
   18: call 113
   19: r3 = *(u64 *)(r10 - 8)
   20: r1 = 1268  ; CO-RE 0 t1 0:93
   21: r3 += r1
   22: r1 = r10
   23: r1 += -20
   24: r2 = 4
   25: call 113
   26: w1 = *(u32 *)(r10 - 20)
   27: *(u32 *)(r6 + 4) = w1
; examples/core-execsnoop.ts:39
   28: r1 = 1192  ; CO-RE 0 t1 0:77
   29: w2 = 4  ; CO-RE 1 t1 0:77
   30: r3 = r7
   31: r3 += r1
   32: *(u64 *)(r10 - 16) = 0
   33: r1 = r10
   34: r1 += -16
   35: call 113
   36: r1 = *(u64 *)(r10 - 16)
   37: r2 = 60  ; CO-RE 4 t1 0:77
   38: r1 <<= r2
   39: r2 = 63  ; CO-RE 5 t1 0:77
   40: r1 >>= r2
   41: w1 &= 255
   42: *(u8 *)(r6 + 8) = w1
; examples/core-execsnoop.ts:40
   43: r1 = r6
   44: r1 += 9
   45: r2 = 16
   46: call 16
; examples/core-execsnoop.ts:41
   47: r1 = r6
   48: r2 = 0
   49: call 132
; examples/core-execsnoop.ts:36
   50: r0 = 0
   51: exit
