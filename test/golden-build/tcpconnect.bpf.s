onStateChange:  ; section tracepoint/sock/inet_sock_set_state
; examples/tcpconnect.ts:39
    0: r7 = r1
; examples/tcpconnect.ts:40
    1: w1 = *(u16 *)(r7 + 30)
    2: if w1 != 6 goto +31
    3: w1 = *(u16 *)(r7 + 28)
    4: if w1 != 2 goto +29
; examples/tcpconnect.ts:41
    5: w1 = *(u32 *)(r7 + 20)
    6: if w1 != 2 goto +27
; examples/tcpconnect.ts:42
    7: r1 = 0 ll  ; map events
    9: r2 = 36
   10: r3 = 0
   11: call 131
   12: r6 = r0
; examples/tcpconnect.ts:43
   13: if r6 == 0 goto +20
; examples/tcpconnect.ts:44
   14: call 14
   15: r0 >>= 32
   16: *(u32 *)(r6 + 0) = w0
; examples/tcpconnect.ts:45
   17: call 15
   18: *(u32 *)(r6 + 4) = w0
; examples/tcpconnect.ts:46
   19: w1 = *(u32 *)(r7 + 32)
   20: *(u32 *)(r6 + 8) = w1
; examples/tcpconnect.ts:47
   21: w2 = *(u32 *)(r7 + 36)
   22: *(u32 *)(r6 + 12) = w2
; examples/tcpconnect.ts:48
   23: w2 = *(u16 *)(r7 + 24)
   24: *(u16 *)(r6 + 16) = w2
; examples/tcpconnect.ts:49
   25: w2 = *(u16 *)(r7 + 26)
   26: *(u16 *)(r6 + 18) = w2
; examples/tcpconnect.ts:50
   27: r1 = r6
   28: r1 += 20
   29: r2 = 16
   30: call 16
; examples/tcpconnect.ts:51
   31: r1 = r6
   32: r2 = 0
   33: call 132
; examples/tcpconnect.ts:40
   34: r0 = 0
   35: exit
