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
   11: if r6 == 0 goto +23
; examples/biolatency.ts:35
   12: call 5
   13: r1 = *(u64 *)(r6 + 0)
   14: r0 -= r1
   15: r0 /= 1000
   16: r1 = 0
   17: r0 >>= 1
   18: if r0 == 0 goto +2
   19: w1 += 1
   20: if w1 < 26 goto -4
   21: *(u32 *)(r10 - 20) = w1
   22: r1 = 0 ll  ; map hist
   24: r2 = r10
   25: r2 += -20
   26: call 1
; examples/biolatency.ts:36
   27: if r0 == 0 goto +2
   28: r1 = 1
   29: lock *(u64 *)(r0 + 0) += r1
; examples/biolatency.ts:37
   30: r1 = 0 ll  ; map start
   32: r2 = r10
   33: r2 += -16
   34: call 3
; examples/biolatency.ts:34
   35: r0 = 0
   36: exit
