onExec:  ; section tracepoint/sched/sched_process_exec
; examples/execsnoop.ts:33
    0: r8 = r1
; examples/execsnoop.ts:34
    1: w7 = *(u32 *)(r8 + 8)
; examples/execsnoop.ts:35
    2: r1 = 0 ll  ; map events
    4: r2 = 284
    5: r3 = 0
    6: call 131
    7: r6 = r0
; examples/execsnoop.ts:36
    8: if r6 == 0 goto +20
; examples/execsnoop.ts:37
    9: w1 = *(u32 *)(r8 + 12)
   10: *(u32 *)(r6 + 0) = w1
; examples/execsnoop.ts:38
   11: w1 = *(u32 *)(r8 + 16)
   12: *(u32 *)(r6 + 4) = w1
; examples/execsnoop.ts:39
   13: call 15
   14: *(u32 *)(r6 + 8) = w0
; examples/execsnoop.ts:40
   15: r1 = r6
   16: r1 += 12
   17: r2 = 16
   18: call 16
; examples/execsnoop.ts:34
   19: w7 &= 65535
   20: r3 = r8
   21: r3 += r7
; examples/execsnoop.ts:41
   22: r1 = r6
   23: r1 += 28
   24: r2 = 256
   25: call 115
; examples/execsnoop.ts:42
   26: r1 = r6
   27: r2 = 0
   28: call 132
; examples/execsnoop.ts:36
   29: r0 = 0
   30: exit
