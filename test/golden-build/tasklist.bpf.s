tasks:  ; section iter/task
; examples/tasklist.ts:16
    0: r5 = *(u64 *)(r1 + 8)
; examples/tasklist.ts:17
    1: if r5 == 0 goto +35
; examples/tasklist.ts:18
    2: r3 = 1264  ; CO-RE 0 t1 0:92
    3: r0 = r5
    4: r2 = r0
    5: r2 += r3
    6: w6 = *(u32 *)(r2 + 0)
    7: r3 = 1268  ; CO-RE 0 t1 0:93
    8: r2 = r0
    9: r2 += r3
   10: w4 = *(u32 *)(r2 + 0)
   11: if w6 != w4 goto +25
; examples/tasklist.ts:19
   12: r1 = *(u64 *)(r1 + 0)
   13: r2 = 0  ; CO-RE 0 t273 0:0:0
   14: r1 += r2
   15: r1 = *(u64 *)(r1 + 0)
   16: r4 <<= 32
   17: r4 s>>= 32
   18: r2 = 1280  ; CO-RE 0 t1 0:95
   19: r0 += r2
   20: r2 = *(u64 *)(r0 + 0)
   21: r2 += r3
   22: w3 = *(u32 *)(r2 + 0)
   23: r3 <<= 32
   24: r3 s>>= 32
   25: r2 = 1752  ; CO-RE 0 t1 0:125
   26: r5 += r2
   27: *(u64 *)(r10 - 24) = r4
   28: *(u64 *)(r10 - 16) = r3
   29: *(u64 *)(r10 - 8) = r5
   30: r2 = 0 ll  ; global __fmt0
   32: r3 = 12
   33: r4 = r10
   34: r4 += -24
   35: r5 = 24
   36: call 126
; examples/tasklist.ts:17
   37: r0 = 0
   38: exit
