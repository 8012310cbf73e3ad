traceOpenat:  ; section tracepoint/syscalls/sys_enter_openat
; examples/opensnoop.ts:28
    0: r7 = r1
; examples/opensnoop.ts:29
    1: r1 = 0 ll  ; map events
    3: r2 = 288
    4: r3 = 0
    5: call 131
    6: r6 = r0
; examples/opensnoop.ts:30
    7: if r6 == 0 goto +19
; examples/opensnoop.ts:31
    8: call 14
    9: r0 >>= 32
   10: *(u32 *)(r6 + 0) = w0
; examples/opensnoop.ts:32
   11: call 15
   12: *(u32 *)(r6 + 4) = w0
; examples/opensnoop.ts:33
   13: r2 = *(u64 *)(r7 + 32)
   14: *(u64 *)(r6 + 8) = r2
; examples/opensnoop.ts:34
   15: r1 = r6
   16: r1 += 16
   17: r2 = 16
   18: call 16
; examples/opensnoop.ts:35
   19: r3 = *(u64 *)(r7 + 24)
   20: r1 = r6
   21: r1 += 32
   22: r2 = 256
   23: call 114
; examples/opensnoop.ts:36
   24: r1 = r6
   25: r2 = 0
   26: call 132
; examples/opensnoop.ts:30
   27: r0 = 0
   28: exit
