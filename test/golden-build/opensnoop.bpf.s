traceOpenat:  ; section tracepoint/syscalls/sys_enter_openat
; examples/opensnoop.ts:33
    0: r7 = r1
; examples/opensnoop.ts:34
    1: r1 = 0 ll  ; map events
    3: r2 = 288
    4: r3 = 0
    5: call 131
    6: r6 = r0
; examples/opensnoop.ts:35
    7: if r6 != 0 goto +12
; examples/opensnoop.ts:36
    8: *(u32 *)(r10 - 4) = 0
    9: r1 = 0 ll  ; map eventsLost
   11: r2 = r10
   12: r2 += -4
   13: call 1
; examples/opensnoop.ts:37
   14: if r0 == 0 goto +3
   15: r1 = *(u64 *)(r0 + 0)
   16: r1 += 1
   17: *(u64 *)(r0 + 0) = r1
; examples/opensnoop.ts:38
   18: r0 = 0
   19: exit
; examples/opensnoop.ts:40
   20: call 14
   21: r0 >>= 32
   22: *(u32 *)(r6 + 0) = w0
; examples/opensnoop.ts:41
   23: call 15
   24: *(u32 *)(r6 + 4) = w0
; examples/opensnoop.ts:42
   25: r2 = *(u64 *)(r7 + 32)
   26: *(u64 *)(r6 + 8) = r2
; examples/opensnoop.ts:43
   27: r1 = r6
   28: r1 += 16
   29: r2 = 16
   30: call 16
; examples/opensnoop.ts:44
   31: r3 = *(u64 *)(r7 + 24)
   32: r1 = r6
   33: r1 += 32
   34: r2 = 256
   35: call 114
; examples/opensnoop.ts:45
   36: r1 = r6
   37: r2 = 0
   38: call 132
; examples/opensnoop.ts:46
   39: goto -22
