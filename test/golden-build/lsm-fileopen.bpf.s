onFileOpen:  ; section lsm/file_open
; examples/lsm-fileopen.ts:17
    0: r2 = *(u64 *)(r1 + 0)
    1: r6 = *(u64 *)(r1 + 8)
; examples/lsm-fileopen.ts:18
    2: if w6 != 0 goto +21
; examples/lsm-fileopen.ts:19
    3: if r2 == 0 goto +20
; examples/lsm-fileopen.ts:20
    4: call 15
; examples/lsm-fileopen.ts:21
    5: *(u32 *)(r10 - 12) = w0
    6: r1 = 0 ll  ; map opensByUid
    8: r2 = r10
    9: r2 += -12
   10: call 1
; examples/lsm-fileopen.ts:22
   11: if r0 != 0 goto +10
   12: *(u64 *)(r10 - 8) = 1
   13: r1 = 0 ll  ; map opensByUid
   15: r2 = r10
   16: r2 += -12
   17: r3 = r10
   18: r3 += -8
   19: r4 = 0
   20: call 2
   21: goto +2
; examples/lsm-fileopen.ts:23
   22: r1 = 1
   23: lock *(u64 *)(r0 + 0) += r1
; examples/lsm-fileopen.ts:18
   24: w0 = w6
   25: exit
