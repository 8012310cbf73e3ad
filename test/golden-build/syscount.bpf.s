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
    7: if r0 == 0 goto +3
; examples/syscount.ts:15
    8: r1 = 1
    9: lock *(u64 *)(r0 + 0) += r1
; examples/syscount.ts:14
   10: goto +9
; examples/syscount.ts:17
   11: *(u64 *)(r10 - 8) = 1
   12: r1 = 0 ll  ; map bySyscall
   14: r2 = r10
   15: r2 += -20
   16: r3 = r10
   17: r3 += -8
   18: r4 = 0
   19: call 2
; examples/syscount.ts:19
   20: call 14
   21: r0 >>= 32
; examples/syscount.ts:20
   22: *(u32 *)(r10 - 24) = w0
   23: r1 = 0 ll  ; map byPid
   25: r2 = r10
   26: r2 += -24
   27: call 1
; examples/syscount.ts:21
   28: if r0 == 0 goto +3
   29: r1 = 1
   30: lock *(u64 *)(r0 + 0) += r1
   31: goto +9
; examples/syscount.ts:22
   32: *(u64 *)(r10 - 16) = 1
   33: r1 = 0 ll  ; map byPid
   35: r2 = r10
   36: r2 += -24
   37: r3 = r10
   38: r3 += -16
   39: r4 = 0
   40: call 2
; examples/syscount.ts:23
   41: r0 = 0
   42: exit
