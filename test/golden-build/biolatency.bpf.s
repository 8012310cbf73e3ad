onIssue:  ; section tracepoint/block/block_rq_issue
; examples/biolatency.ts:26
    0: w2 = *(u32 *)(r1 + 8)
    1: *(u32 *)(r10 - 16) = w2
    2: *(u32 *)(r10 - 12) = 0
    3: r1 = *(u64 *)(r1 + 16)
    4: *(u64 *)(r10 - 8) = r1
; examples/biolatency.ts:27
    5: call 5
    6: *(u64 *)(r10 - 24) = r0
    7: r1 = 0 ll  ; map start
    9: r2 = r10
   10: r2 += -16
   11: r3 = r10
   12: r3 += -24
   13: r4 = 0
   14: call 2
; examples/biolatency.ts:28
   15: r0 = 0
   16: exit

onComplete:  ; section tracepoint/block/block_rq_complete
; examples/biolatency.ts:32
    0: w2 = *(u32 *)(r1 + 8)
    1: *(u32 *)(r10 - 16) = w2
    2: *(u32 *)(r10 - 12) = 0
    3: r1 = *(u64 *)(r1 + 16)
    4: *(u64 *)(r10 - 8) = r1
; examples/biolatency.ts:33
    5: r1 = 0 ll  ; map start
    7: r2 = r10
    8: r2 += -16
    9: call 1
   10: r6 = r0
; examples/biolatency.ts:34
   11: if r6 == 0 goto +24
; examples/biolatency.ts:35
   12: call 5
   13: r2 = r0
   14: r1 = *(u64 *)(r6 + 0)
   15: r2 -= r1
   16: r2 /= 1000
   17: r1 = 0
   18: r2 >>= 1
   19: if r2 == 0 goto +2
   20: w1 += 1
   21: if w1 < 26 goto -4
   22: *(u32 *)(r10 - 20) = w1
   23: r1 = 0 ll  ; map hist
   25: r2 = r10
   26: r2 += -20
   27: call 1
; examples/biolatency.ts:36
   28: if r0 == 0 goto +2
   29: r1 = 1
   30: lock *(u64 *)(r0 + 0) += r1
; examples/biolatency.ts:37
   31: r1 = 0 ll  ; map start
   33: r2 = r10
   34: r2 += -16
   35: call 3
; examples/biolatency.ts:34
   36: r0 = 0
   37: exit
