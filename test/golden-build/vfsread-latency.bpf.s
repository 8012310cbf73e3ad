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
    8: if r6 == 0 goto +22
; examples/vfsread-latency.ts:39
    9: call 5
   10: r1 = *(u64 *)(r6 + 0)
   11: r0 -= r1
   12: r1 = 0
   13: r0 >>= 1
   14: if r0 == 0 goto +2
   15: w1 += 1
   16: if w1 < 31 goto -4
   17: *(u32 *)(r10 - 8) = w1
   18: r1 = 0 ll  ; map hist
   20: r2 = r10
   21: r2 += -8
   22: call 1
; examples/vfsread-latency.ts:40
   23: if r0 == 0 goto +2
   24: r1 = 1
   25: lock *(u64 *)(r0 + 0) += r1
; examples/vfsread-latency.ts:41
   26: r1 = 0 ll  ; map start
   28: r2 = r10
   29: r2 += -4
   30: call 3
; examples/vfsread-latency.ts:38
   31: r0 = 0
   32: exit
