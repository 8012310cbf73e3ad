onExit:  ; section tracepoint/sched/sched_process_exit
; examples/exitsnoop.ts:36
    0: r7 = r1
; examples/exitsnoop.ts:37
    1: call 14
; examples/exitsnoop.ts:39
    2: r6 = r0
    3: r6 >>= 32
    4: if w0 != w6 goto +19
; examples/exitsnoop.ts:40
    5: *(u64 *)(r10 - 8) = 0
; examples/exitsnoop.ts:41
    6: call 5
    7: *(u64 *)(r10 - 40) = r0
; examples/exitsnoop.ts:42
    8: *(u32 *)(r10 - 32) = w6
; examples/exitsnoop.ts:43
    9: call 15
   10: *(u32 *)(r10 - 28) = w0
; examples/exitsnoop.ts:44
   11: w1 = *(u32 *)(r7 + 28)
   12: *(u32 *)(r10 - 24) = w1
; examples/exitsnoop.ts:45
   13: r1 = r10
   14: r1 += -20
   15: r2 = 16
   16: call 16
; examples/exitsnoop.ts:46
   17: r1 = 0 ll  ; map events
   19: r2 = r10
   20: r2 += -40
   21: r3 = 40
   22: r4 = 0
   23: call 130
; examples/exitsnoop.ts:39
   24: r0 = 0
   25: exit
