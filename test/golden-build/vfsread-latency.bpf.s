onReadEntry:  ; section fentry/vfs_read
; examples/vfsread-latency.ts:30
    0: call 14
; examples/vfsread-latency.ts:31
    1: *(u32 *)(r10 - 12) = w0
    2: call 5
    3: *(u64 *)(r10 - 8) = r0
    4: r1 = 0 ll  ; map start
    6: r2 = r10
    7: r2 += -12
    8: r3 = r10
    9: r3 += -8
   10: r4 = 0
   11: call 2
; examples/vfsread-latency.ts:32
   12: r0 = 0
   13: exit

onReadExit:  ; section fexit/vfs_read
; examples/vfsread-latency.ts:36
    0: call 14
; examples/vfsread-latency.ts:37
    1: *(u32 *)(r10 - 4) = w0
    2: r1 = 0 ll  ; map start
    4: r2 = r10
    5: r2 += -4
    6: call 1
    7: r6 = r0
; examples/vfsread-latency.ts:38
    8: if r6 == 0 goto +23
; examples/vfsread-latency.ts:39
    9: call 5
   10: r2 = r0
   11: r1 = *(u64 *)(r6 + 0)
   12: r2 -= r1
   13: r1 = 0
   14: r2 >>= 1
   15: if r2 == 0 goto +2
   16: w1 += 1
   17: if w1 < 31 goto -4
   18: *(u32 *)(r10 - 8) = w1
   19: r1 = 0 ll  ; map hist
   21: r2 = r10
   22: r2 += -8
   23: call 1
; examples/vfsread-latency.ts:40
   24: if r0 == 0 goto +2
   25: r1 = 1
   26: lock *(u64 *)(r0 + 0) += r1
; examples/vfsread-latency.ts:41
   27: r1 = 0 ll  ; map start
   29: r2 = r10
   30: r2 += -4
   31: call 3
; examples/vfsread-latency.ts:38
   32: r0 = 0
   33: exit
