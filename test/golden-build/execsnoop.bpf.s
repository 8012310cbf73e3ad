onExec:  ; section tracepoint/sched/sched_process_exec
; examples/execsnoop.ts:33
    0: r8 = r1
; examples/execsnoop.ts:34
    1: w1 = *(u32 *)(r8 + 8)
    2: w1 &= 65535
    3: r7 = r8
    4: r7 += r1
; examples/execsnoop.ts:35
    5: r1 = 0 ll  ; map events
    7: r2 = 284
    8: r3 = 0
    9: call 131
   10: r6 = r0
; examples/execsnoop.ts:36
   11: if r6 == 0 goto +18
; examples/execsnoop.ts:37
   12: w1 = *(u32 *)(r8 + 12)
   13: *(u32 *)(r6 + 0) = w1
; examples/execsnoop.ts:38
   14: w1 = *(u32 *)(r8 + 16)
   15: *(u32 *)(r6 + 4) = w1
; examples/execsnoop.ts:39
   16: call 15
   17: *(u32 *)(r6 + 8) = w0
; examples/execsnoop.ts:40
   18: r1 = r6
   19: r1 += 12
   20: r2 = 16
   21: call 16
; examples/execsnoop.ts:41
   22: r1 = r6
   23: r1 += 28
   24: r3 = r7
   25: r2 = 256
   26: call 115
; examples/execsnoop.ts:42
   27: r1 = r6
   28: r2 = 0
   29: call 132
; examples/execsnoop.ts:36
   30: r0 = 0
   31: exit
