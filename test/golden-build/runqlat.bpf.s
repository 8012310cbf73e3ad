onWakeup:  ; section tracepoint/sched/sched_wakeup
; examples/runqlat.ts:25
    0: w1 = *(u32 *)(r1 + 24)
; examples/runqlat.ts:26
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
; examples/runqlat.ts:27
   12: r0 = 0
   13: exit

onSwitch:  ; section tracepoint/sched/sched_switch
; examples/runqlat.ts:31
    0: w1 = *(u32 *)(r1 + 56)
; examples/runqlat.ts:32
    1: *(u32 *)(r10 - 4) = w1
    2: r1 = 0 ll  ; map start
    4: r2 = r10
    5: r2 += -4
    6: call 1
    7: r7 = r0
; examples/runqlat.ts:33
    8: if r7 != 0 goto +2
    9: r0 = 0
   10: exit
; examples/runqlat.ts:34
   11: call 5
   12: r6 = r0
   13: r1 = *(u64 *)(r7 + 0)
   14: r6 -= r1
   15: r6 /= 1000
; examples/runqlat.ts:35
   16: r1 = 0 ll  ; map start
   18: r2 = r10
   19: r2 += -4
   20: call 3
; examples/runqlat.ts:16
   21: r3 = r6
   22: r1 = 0
   23: r2 = 0
   24: if r1 s>= 25 goto +5
; examples/runqlat.ts:17
   25: r3 >>= 1
; examples/runqlat.ts:18
   26: if r3 == 0 goto +3
; examples/runqlat.ts:19
   27: w2 += 1
; examples/runqlat.ts:16
   28: r1 += 1
   29: goto -6
; examples/runqlat.ts:36
   30: *(u32 *)(r10 - 8) = w2
   31: r1 = 0 ll  ; map histogram
   33: r2 = r10
   34: r2 += -8
   35: call 1
; examples/runqlat.ts:37
   36: if r0 == 0 goto -28
   37: r1 = 1
   38: lock *(u64 *)(r0 + 0) += r1
   39: goto -31
