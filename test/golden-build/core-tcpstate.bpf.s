onStateChange:  ; section tracepoint/sock/inet_sock_set_state
; examples/core-tcpstate.ts:30
    0: w2 = *(u16 *)(r1 + 30)
    1: if w2 != 6 goto +53
    2: w2 = *(u32 *)(r1 + 20)
    3: if w2 != 2 goto +51
; examples/core-tcpstate.ts:31
    4: r8 = *(u64 *)(r1 + 8)
; examples/core-tcpstate.ts:32
    5: r1 = 16  ; CO-RE 0 t1 0:0:3
    6: r3 = r8
    7: r3 += r1
    8: r1 = r10
    9: r1 += -6
   10: r2 = 2
   11: call 113
   12: w7 = *(u16 *)(r10 - 6)
; examples/core-tcpstate.ts:33
   13: if w7 != 2 goto +41
; examples/core-tcpstate.ts:34
   14: r1 = 0 ll  ; map events
   16: r2 = 16
   17: r3 = 0
   18: call 131
   19: r6 = r0
; examples/core-tcpstate.ts:35
   20: if r6 == 0 goto +34
; examples/core-tcpstate.ts:36
   21: call 14
   22: r0 >>= 32
   23: *(u32 *)(r6 + 0) = w0
; examples/core-tcpstate.ts:37
   24: r1 = 0  ; CO-RE 0 t1 0:0:0:1:0
   25: r3 = r8
   26: r3 += r1
   27: r1 = r10
   28: r1 += -4
   29: r2 = 4
   30: call 113
   31: w1 = *(u32 *)(r10 - 4)
   32: *(u32 *)(r6 + 4) = w1
; examples/core-tcpstate.ts:38
   33: r1 = 4  ; CO-RE 0 t1 0:0:0:1:1
   34: r3 = r8
   35: r3 += r1
   36: r1 = r10
   37: r1 += -4
   38: r2 = 4
   39: call 113
   40: w1 = *(u32 *)(r10 - 4)
   41: *(u32 *)(r6 + 8) = w1
; examples/core-tcpstate.ts:39
   42: r1 = 12  ; CO-RE 0 t1 0:0:2:1:0
   43: r3 = r8
   44: r3 += r1
   45: r1 = r10
   46: r1 += -6
   47: r2 = 2
   48: call 113
   49: w2 = *(u16 *)(r10 - 6)
   50: *(u16 *)(r6 + 12) = w2
; examples/core-tcpstate.ts:40
   51: *(u16 *)(r6 + 14) = w7
; examples/core-tcpstate.ts:41
   52: r1 = r6
   53: r2 = 0
   54: call 132
; examples/core-tcpstate.ts:30
   55: r0 = 0
   56: exit
