onFileOpen:  ; section lsm/file_open
; examples/lsm-fileopen.ts:17
    0: r2 = *(u64 *)(r1 + 0)
    1: r1 = *(u64 *)(r1 + 8)
    2: w6 = w1
; examples/lsm-fileopen.ts:18
    3: if w6 != 0 goto +21
; examples/lsm-fileopen.ts:19
    4: if r2 == 0 goto +20
; examples/lsm-fileopen.ts:20
    5: call 15
; examples/lsm-fileopen.ts:21
    6: *(u32 *)(r10 - 12) = w0
    7: r1 = 0 ll  ; map opensByUid
    9: r2 = r10
   10: r2 += -12
   11: call 1
; examples/lsm-fileopen.ts:22
   12: if r0 != 0 goto +10
   13: *(u64 *)(r10 - 8) = 1
   14: r1 = 0 ll  ; map opensByUid
   16: r2 = r10
   17: r2 += -12
   18: r3 = r10
   19: r3 += -8
   20: r4 = 0
   21: call 2
   22: goto +2
; examples/lsm-fileopen.ts:23
   23: r1 = 1
   24: lock *(u64 *)(r0 + 0) += r1
; examples/lsm-fileopen.ts:18
   25: r0 = r6
   26: exit
