onReadEntry:  ; section fentry/vfs_read
; examples/vfsread-latency.ts:40
    0: call 14
; examples/vfsread-latency.ts:41
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
; examples/vfsread-latency.ts:42
   12: r0 = 0
   13: exit

onReadExit:  ; section fexit/vfs_read
; examples/vfsread-latency.ts:46
    0: call 14
; examples/vfsread-latency.ts:47
    1: *(u32 *)(r10 - 4) = w0
    2: r1 = 0 ll  ; map start
    4: r2 = r10
    5: r2 += -4
    6: call 1
    7: r6 = r0
; examples/vfsread-latency.ts:48
    8: if r6 != 0 goto +2
    9: r0 = 0
   10: exit
; examples/vfsread-latency.ts:49
   11: call 5
   12: r3 = r0
   13: r1 = *(u64 *)(r6 + 0)
   14: r3 -= r1
; examples/vfsread-latency.ts:31
   15: r1 = 0
   16: r2 = 0
   17: if r1 s>= 31 goto +5
; examples/vfsread-latency.ts:32
   18: r3 >>= 1
; examples/vfsread-latency.ts:33
   19: if r3 == 0 goto +3
; examples/vfsread-latency.ts:34
   20: w2 += 1
; examples/vfsread-latency.ts:31
   21: r1 += 1
   22: goto -6
; examples/vfsread-latency.ts:49
   23: *(u32 *)(r10 - 8) = w2
   24: r1 = 0 ll  ; map hist
   26: r2 = r10
   27: r2 += -8
   28: call 1
; examples/vfsread-latency.ts:50
   29: if r0 == 0 goto +2
   30: r1 = 1
   31: lock *(u64 *)(r0 + 0) += r1
; examples/vfsread-latency.ts:51
   32: r1 = 0 ll  ; map start
   34: r2 = r10
   35: r2 += -4
   36: call 3
; examples/vfsread-latency.ts:52
   37: goto -29
