onIssue:  ; section tracepoint/block/block_rq_issue
; examples/biolatency.ts:36
    0: r2 = r1
; examples/biolatency.ts:37
    1: *(u64 *)(r10 - 16) = 0
    2: *(u64 *)(r10 - 8) = 0
    3: w1 = *(u32 *)(r2 + 8)
    4: *(u32 *)(r10 - 16) = w1
    5: *(u32 *)(r10 - 12) = 0
    6: r1 = *(u64 *)(r2 + 16)
    7: *(u64 *)(r10 - 8) = r1
; examples/biolatency.ts:38
    8: call 5
    9: *(u64 *)(r10 - 24) = r0
   10: r1 = 0 ll  ; map start
   12: r2 = r10
   13: r2 += -16
   14: r3 = r10
   15: r3 += -24
   16: r4 = 0
   17: call 2
; examples/biolatency.ts:39
   18: r0 = 0
   19: exit

onComplete:  ; section tracepoint/block/block_rq_complete
; examples/biolatency.ts:42
    0: r2 = r1
; examples/biolatency.ts:43
    1: *(u64 *)(r10 - 16) = 0
    2: *(u64 *)(r10 - 8) = 0
    3: w1 = *(u32 *)(r2 + 8)
    4: *(u32 *)(r10 - 16) = w1
    5: *(u32 *)(r10 - 12) = 0
    6: r1 = *(u64 *)(r2 + 16)
    7: *(u64 *)(r10 - 8) = r1
; examples/biolatency.ts:44
    8: r1 = 0 ll  ; map start
   10: r2 = r10
   11: r2 += -16
   12: call 1
   13: r6 = r0
; examples/biolatency.ts:45
   14: if r6 != 0 goto +2
   15: r0 = 0
   16: exit
; examples/biolatency.ts:46
   17: call 5
   18: r3 = r0
   19: r1 = *(u64 *)(r6 + 0)
   20: r3 -= r1
   21: r3 /= 1000
; examples/biolatency.ts:28
   22: r1 = 0
   23: r2 = 0
   24: if r1 s>= 26 goto +5
; examples/biolatency.ts:29
   25: r3 >>= 1
; examples/biolatency.ts:30
   26: if r3 == 0 goto +3
; examples/biolatency.ts:31
   27: w2 += 1
; examples/biolatency.ts:28
   28: r1 += 1
   29: goto -6
; examples/biolatency.ts:46
   30: *(u32 *)(r10 - 20) = w2
   31: r1 = 0 ll  ; map hist
   33: r2 = r10
   34: r2 += -20
   35: call 1
; examples/biolatency.ts:47
   36: if r0 == 0 goto +2
   37: r1 = 1
   38: lock *(u64 *)(r0 + 0) += r1
; examples/biolatency.ts:48
   39: r1 = 0 ll  ; map start
   41: r2 = r10
   42: r2 += -16
   43: call 3
; examples/biolatency.ts:49
   44: goto -30
