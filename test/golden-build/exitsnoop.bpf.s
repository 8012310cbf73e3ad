onExit:  ; section tracepoint/sched/sched_process_exit
; examples/exitsnoop.ts:36
    0: r7 = r1
; examples/exitsnoop.ts:37
    1: call 14
; examples/exitsnoop.ts:39
    2: r6 = r0
    3: r6 >>= 32
    4: if w0 != w6 goto +21
; examples/exitsnoop.ts:40
    5: *(u64 *)(r10 - 24) = 0
    6: *(u64 *)(r10 - 16) = 0
    7: *(u64 *)(r10 - 8) = 0
; examples/exitsnoop.ts:41
    8: call 5
    9: *(u64 *)(r10 - 40) = r0
; examples/exitsnoop.ts:42
   10: *(u32 *)(r10 - 32) = w6
; examples/exitsnoop.ts:43
   11: call 15
   12: *(u32 *)(r10 - 28) = w0
; examples/exitsnoop.ts:44
   13: w1 = *(u32 *)(r7 + 28)
   14: *(u32 *)(r10 - 24) = w1
; examples/exitsnoop.ts:45
   15: r1 = r10
   16: r1 += -20
   17: r2 = 16
   18: call 16
; examples/exitsnoop.ts:46
   19: r1 = 0 ll  ; map events
   21: r2 = r10
   22: r2 += -40
   23: r3 = 40
   24: r4 = 0
   25: call 130
; examples/exitsnoop.ts:39
   26: r0 = 0
   27: exit
