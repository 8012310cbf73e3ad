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
    8: if r6 == 0 goto +23
; examples/vfsread-latency.ts:49
    9: call 5
   10: r3 = r0
   11: r1 = *(u64 *)(r6 + 0)
   12: r3 -= r1
; examples/vfsread-latency.ts:31
   13: r1 = 0
   14: r2 = 0
   15: if r1 s>= 31 goto +2
; examples/vfsread-latency.ts:32
   16: r3 >>= 1
; examples/vfsread-latency.ts:33
   17: if r3 != 0 goto +16
; examples/vfsread-latency.ts:49
   18: *(u32 *)(r10 - 8) = w2
   19: r1 = 0 ll  ; map hist
   21: r2 = r10
   22: r2 += -8
   23: call 1
; examples/vfsread-latency.ts:50
   24: if r0 == 0 goto +2
   25: r1 = 1
   26: lock *(u64 *)(r0 + 0) += r1
; examples/vfsread-latency.ts:51
   27: r1 = 0 ll  ; map start
   29: r2 = r10
   30: r2 += -4
   31: call 3
; examples/vfsread-latency.ts:48
   32: r0 = 0
   33: exit
; examples/vfsread-latency.ts:34
   34: w2 += 1
; examples/vfsread-latency.ts:31
   35: r1 += 1
   36: goto -22
