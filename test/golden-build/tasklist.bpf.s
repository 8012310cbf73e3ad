tasks:  ; section iter/task
; examples/tasklist.ts:16
    0: r5 = *(u64 *)(r1 + 8)
; examples/tasklist.ts:17
    1: if r5 == 0 goto +23
; examples/tasklist.ts:18
    2: w2 = *(u32 *)(r5 + 1264)  ; CO-RE 0 t1 0:92
    3: w4 = *(u32 *)(r5 + 1268)  ; CO-RE 0 t1 0:93
    4: if w2 != w4 goto +20
; examples/tasklist.ts:19
    5: r1 = *(u64 *)(r1 + 0)
    6: r1 = *(u64 *)(r1 + 0)  ; CO-RE 0 t273 0:0:0
    7: r4 <<= 32
    8: r4 s>>= 32
    9: r2 = *(u64 *)(r5 + 1280)  ; CO-RE 0 t1 0:95
   10: w3 = *(u32 *)(r2 + 1268)  ; CO-RE 0 t1 0:93
   11: r3 <<= 32
   12: r3 s>>= 32
   13: r2 = 1752  ; CO-RE 0 t1 0:125
   14: r5 += r2
   15: *(u64 *)(r10 - 24) = r4
   16: *(u64 *)(r10 - 16) = r3
   17: *(u64 *)(r10 - 8) = r5
   18: r2 = 0 ll  ; global __fmt0
   20: r3 = 12
   21: r4 = r10
   22: r4 += -24
   23: r5 = 24
   24: call 126
; examples/tasklist.ts:17
   25: r0 = 0
   26: exit
