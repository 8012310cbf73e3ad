onStrCall:  ; section uprobe.multi/libc.so.6:str*
; examples/ucalls.ts:18
    0: call 173
; examples/ucalls.ts:19
    1: *(u64 *)(r10 - 8) = r0
    2: r1 = 0 ll  ; map calls
    4: r2 = r10
    5: r2 += -8
    6: call 1
; examples/ucalls.ts:20
    7: if r0 != 0 goto +10
    8: *(u64 *)(r10 - 16) = 1
    9: r1 = 0 ll  ; map calls
   11: r2 = r10
   12: r2 += -8
   13: r3 = r10
   14: r3 += -16
   15: r4 = 0
   16: call 2
   17: goto +2
; examples/ucalls.ts:21
   18: r1 = 1
   19: lock *(u64 *)(r0 + 0) += r1
; examples/ucalls.ts:22
   20: r0 = 0
   21: exit
