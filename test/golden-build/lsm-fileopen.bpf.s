onFileOpen:  ; section lsm/file_open
; examples/lsm-fileopen.ts:17
    0: r2 = *(u64 *)(r1 + 0)
    1: r1 = *(u64 *)(r1 + 8)
    2: w0 = w1
; examples/lsm-fileopen.ts:18
    3: if w0 == 0 goto +3
    4: r0 <<= 32
    5: r0 s>>= 32
    6: exit
; examples/lsm-fileopen.ts:19
    7: if r2 == 0 goto +20
; examples/lsm-fileopen.ts:20
    8: call 15
; examples/lsm-fileopen.ts:21
    9: *(u32 *)(r10 - 12) = w0
   10: r1 = 0 ll  ; map opensByUid
   12: r2 = r10
   13: r2 += -12
   14: call 1
; examples/lsm-fileopen.ts:22
   15: if r0 != 0 goto +10
   16: *(u64 *)(r10 - 8) = 1
   17: r1 = 0 ll  ; map opensByUid
   19: r2 = r10
   20: r2 += -12
   21: r3 = r10
   22: r3 += -8
   23: r4 = 0
   24: call 2
   25: goto +2
; examples/lsm-fileopen.ts:23
   26: r1 = 1
   27: lock *(u64 *)(r0 + 0) += r1
; examples/lsm-fileopen.ts:19
   28: r0 = 0
   29: exit
