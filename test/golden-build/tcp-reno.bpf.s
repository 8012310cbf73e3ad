reno_ssthresh:  ; section struct_ops/ssthresh
; examples/tcp-reno.ts:34
    0: r6 = *(u64 *)(r1 + 0)
; examples/tcp-reno.ts:26
    1: *(u32 *)(r10 - 8) = 0
    2: r1 = 0 ll  ; map calls
    4: r2 = r10
    5: r2 += -8
    6: call 1
; examples/tcp-reno.ts:27
    7: if r0 == 0 goto +2
    8: r1 = 1
    9: lock *(u64 *)(r0 + 0) += r1
; examples/tcp-reno.ts:36
   10: r1 = 1444  ; CO-RE 0 t49 0:13
   11: r3 = r6
   12: r3 += r1
   13: r1 = r10
   14: r1 += -4
   15: r2 = 4
   16: call 113
   17: w0 = *(u32 *)(r10 - 4)
   18: w0 >>= 1
; examples/tcp-reno.ts:37
   19: if w0 >= 2 goto +1
   20: r0 = 2
   21: exit

reno_undo_cwnd:  ; section struct_ops/undo_cwnd
; examples/tcp-reno.ts:39
    0: r6 = *(u64 *)(r1 + 0)
; examples/tcp-reno.ts:26
    1: *(u32 *)(r10 - 8) = 1
    2: r1 = 0 ll  ; map calls
    4: r2 = r10
    5: r2 += -8
    6: call 1
; examples/tcp-reno.ts:27
    7: if r0 == 0 goto +2
    8: r1 = 1
    9: lock *(u64 *)(r0 + 0) += r1
; examples/tcp-reno.ts:41
   10: r1 = 1444  ; CO-RE 0 t49 0:13
   11: r3 = r6
   12: r3 += r1
   13: r1 = r10
   14: r1 += -4
   15: r2 = 4
   16: call 113
   17: w0 = *(u32 *)(r10 - 4)
   18: exit

reno_cong_avoid:  ; section struct_ops/cong_avoid
; examples/tcp-reno.ts:26
    0: *(u32 *)(r10 - 4) = 2
    1: r1 = 0 ll  ; map calls
    3: r2 = r10
    4: r2 += -4
    5: call 1
; examples/tcp-reno.ts:27
    6: if r0 == 0 goto +2
    7: r1 = 1
    8: lock *(u64 *)(r0 + 0) += r1
; examples/tcp-reno.ts:25
    9: exit

reno_init:  ; section struct_ops/init
; examples/tcp-reno.ts:26
    0: *(u32 *)(r10 - 4) = 3
    1: r1 = 0 ll  ; map calls
    3: r2 = r10
    4: r2 += -4
    5: call 1
; examples/tcp-reno.ts:27
    6: if r0 == 0 goto +2
    7: r1 = 1
    8: lock *(u64 *)(r0 + 0) += r1
; examples/tcp-reno.ts:25
    9: exit

reno_set_state:  ; section struct_ops/set_state
; examples/tcp-reno.ts:26
    0: *(u32 *)(r10 - 4) = 4
    1: r1 = 0 ll  ; map calls
    3: r2 = r10
    4: r2 += -4
    5: call 1
; examples/tcp-reno.ts:27
    6: if r0 == 0 goto +2
    7: r1 = 1
    8: lock *(u64 *)(r0 + 0) += r1
; examples/tcp-reno.ts:25
    9: exit
