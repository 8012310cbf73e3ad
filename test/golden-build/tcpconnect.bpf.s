onStateChange:  ; section tracepoint/sock/inet_sock_set_state
; examples/tcpconnect.ts:39
    0: r7 = r1
; examples/tcpconnect.ts:40
    1: w1 = *(u16 *)(r7 + 30)
    2: if w1 != 6 goto +27
    3: w1 = *(u16 *)(r7 + 28)
    4: if w1 != 2 goto +25
; examples/tcpconnect.ts:41
    5: w1 = *(u32 *)(r7 + 20)
    6: if w1 != 2 goto +23
; examples/tcpconnect.ts:42
    7: r1 = 0 ll  ; map events
    9: r2 = 36
   10: r3 = 0
   11: call 131
   12: r6 = r0
; examples/tcpconnect.ts:43
   13: if r6 == 0 goto +16
; examples/tcpconnect.ts:44
   14: call 14
   15: r0 >>= 32
   16: *(u32 *)(r6 + 0) = w0
; examples/tcpconnect.ts:45
   17: call 15
   18: *(u32 *)(r6 + 4) = w0
; examples/tcpconnect.ts:47
   19: r2 = *(u64 *)(r7 + 32)
   20: *(u64 *)(r6 + 8) = r2
; examples/tcpconnect.ts:49
   21: w2 = *(u32 *)(r7 + 24)
   22: *(u32 *)(r6 + 16) = w2
; examples/tcpconnect.ts:50
   23: r1 = r6
   24: r1 += 20
   25: r2 = 16
   26: call 16
; examples/tcpconnect.ts:51
   27: r1 = r6
   28: r2 = 0
   29: call 132
; examples/tcpconnect.ts:40
   30: r0 = 0
   31: exit
