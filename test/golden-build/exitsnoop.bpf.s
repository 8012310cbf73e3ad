onExit:  ; section tracepoint/sched/sched_process_exit
; examples/exitsnoop.ts:36
    0: r6 = r1
; examples/exitsnoop.ts:37
    1: call 14
    2: r7 = r0
; examples/exitsnoop.ts:39
    3: w2 = w7
    4: r7 >>= 32
    5: w1 = w7
    6: if w2 != w1 goto +23
; examples/exitsnoop.ts:40
    7: *(u64 *)(r10 - 40) = 0
    8: *(u64 *)(r10 - 32) = 0
    9: *(u64 *)(r10 - 24) = 0
   10: *(u64 *)(r10 - 16) = 0
   11: *(u64 *)(r10 - 8) = 0
; examples/exitsnoop.ts:41
   12: call 5
   13: *(u64 *)(r10 - 40) = r0
; examples/exitsnoop.ts:42
   14: *(u32 *)(r10 - 32) = w7
; examples/exitsnoop.ts:43
   15: call 15
   16: *(u32 *)(r10 - 28) = w0
; examples/exitsnoop.ts:44
   17: w1 = *(u32 *)(r6 + 28)
   18: *(u32 *)(r10 - 24) = w1
; examples/exitsnoop.ts:45
   19: r1 = r10
   20: r1 += -20
   21: r2 = 16
   22: call 16
; examples/exitsnoop.ts:46
   23: r1 = 0 ll  ; map events
   25: r2 = r10
   26: r2 += -40
   27: r3 = 40
   28: r4 = 0
   29: call 130
; examples/exitsnoop.ts:39
   30: r0 = 0
   31: exit
