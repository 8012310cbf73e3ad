countSyscalls:  ; section tracepoint/raw_syscalls/sys_enter
; examples/syscount.ts:12
    0: r1 = *(u64 *)(r1 + 8)
; examples/syscount.ts:13
    1: *(u32 *)(r10 - 20) = w1
    2: r1 = 0 ll  ; map bySyscall
    4: r2 = r10
    5: r2 += -20
    6: call 1
; examples/syscount.ts:14
    7: if r0 == 0 goto +15
; examples/syscount.ts:15
    8: r1 = 1
    9: lock *(u64 *)(r0 + 0) += r1
; examples/syscount.ts:19
   10: call 14
   11: r0 >>= 32
; examples/syscount.ts:20
   12: *(u32 *)(r10 - 24) = w0
   13: r1 = 0 ll  ; map byPid
   15: r2 = r10
   16: r2 += -24
   17: call 1
; examples/syscount.ts:21
   18: if r0 == 0 goto +14
   19: r1 = 1
   20: lock *(u64 *)(r0 + 0) += r1
; examples/syscount.ts:23
   21: r0 = 0
   22: exit
; examples/syscount.ts:17
   23: *(u64 *)(r10 - 8) = 1
   24: r1 = 0 ll  ; map bySyscall
   26: r2 = r10
   27: r2 += -20
   28: r3 = r10
   29: r3 += -8
   30: r4 = 0
   31: call 2
; examples/syscount.ts:14
   32: goto -23
; examples/syscount.ts:22
   33: *(u64 *)(r10 - 16) = 1
   34: r1 = 0 ll  ; map byPid
   36: r2 = r10
   37: r2 += -24
   38: r3 = r10
   39: r3 += -16
   40: r4 = 0
   41: call 2
; examples/syscount.ts:21
   42: goto -22
