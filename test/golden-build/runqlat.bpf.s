onWakeup:  ; section tracepoint/sched/sched_wakeup
; examples/runqlat.ts:13
    0: w1 = *(u32 *)(r1 + 24)
; examples/runqlat.ts:14
    1: *(u32 *)(r10 - 12) = w1
    2: call 5
    3: *(u64 *)(r10 - 8) = r0
    4: r1 = 0 ll  ; map start
    6: r2 = r10
    7: r2 += -12
    8: r3 = r10
    9: r3 += -8
   10: r4 = 0
   11: call 2
; examples/runqlat.ts:15
   12: r0 = 0
   13: exit

onSwitch:  ; section tracepoint/sched/sched_switch
; examples/runqlat.ts:19
    0: w1 = *(u32 *)(r1 + 56)
; examples/runqlat.ts:20
    1: *(u32 *)(r10 - 4) = w1
    2: r1 = 0 ll  ; map start
    4: r2 = r10
    5: r2 += -4
    6: call 1
    7: r7 = r0
; examples/runqlat.ts:21
    8: if r7 == 0 goto +25
; examples/runqlat.ts:22
    9: call 5
   10: r6 = r0
   11: r1 = *(u64 *)(r7 + 0)
   12: r6 -= r1
   13: r6 /= 1000
; examples/runqlat.ts:23
   14: r1 = 0 ll  ; map start
   16: r2 = r10
   17: r2 += -4
   18: call 3
; examples/runqlat.ts:24
   19: r1 = 0
   20: r6 >>= 1
   21: goto +0
   22: if r6 == 0 goto +2
   23: w1 += 1
   24: if w1 < 25 goto -5
   25: *(u32 *)(r10 - 8) = w1
   26: r1 = 0 ll  ; map histogram
   28: r2 = r10
   29: r2 += -8
   30: call 1
; examples/runqlat.ts:25
   31: if r0 == 0 goto +2
   32: r1 = 1
   33: lock *(u64 *)(r0 + 0) += r1
; examples/runqlat.ts:21
   34: r0 = 0
   35: exit
