countSyscalls:  ; section tracepoint/raw_syscalls/sys_enter
; examples/syscount.ts:12
    0: r1 = *(u64 *)(r1 + 8)
    1: w6 = w1
; examples/syscount.ts:13
    2: *(u32 *)(r10 - 20) = w6
    3: r1 = 0 ll  ; map bySyscall
    5: r2 = r10
    6: r2 += -20
    7: call 1
; examples/syscount.ts:14
    8: if r0 == 0 goto +3
; examples/syscount.ts:15
    9: r1 = 1
   10: lock *(u64 *)(r0 + 0) += r1
; examples/syscount.ts:14
   11: goto +10
; examples/syscount.ts:17
   12: *(u32 *)(r10 - 24) = w6
   13: *(u64 *)(r10 - 8) = 1
   14: r1 = 0 ll  ; map bySyscall
   16: r2 = r10
   17: r2 += -24
   18: r3 = r10
   19: r3 += -8
   20: r4 = 0
   21: call 2
; examples/syscount.ts:19
   22: call 14
   23: r1 = r0
   24: r1 >>= 32
   25: w6 = w1
; examples/syscount.ts:20
   26: *(u32 *)(r10 - 28) = w6
   27: r1 = 0 ll  ; map byPid
   29: r2 = r10
   30: r2 += -28
   31: call 1
; examples/syscount.ts:21
   32: if r0 == 0 goto +3
   33: r1 = 1
   34: lock *(u64 *)(r0 + 0) += r1
   35: goto +10
; examples/syscount.ts:22
   36: *(u32 *)(r10 - 32) = w6
   37: *(u64 *)(r10 - 16) = 1
   38: r1 = 0 ll  ; map byPid
   40: r2 = r10
   41: r2 += -32
   42: r3 = r10
   43: r3 += -16
   44: r4 = 0
   45: call 2
; examples/syscount.ts:23
   46: r0 = 0
   47: exit
