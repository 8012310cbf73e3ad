onReadline:  ; section uretprobe//bin/bash:readline
; examples/readline.ts:30
    0: r7 = *(u64 *)(r1 + 80)
; examples/readline.ts:31
    1: if r7 == 0 goto +22
; examples/readline.ts:32
    2: r1 = 0 ll  ; map events
    4: r2 = 100
    5: r3 = 0
    6: call 131
    7: r6 = r0
; examples/readline.ts:33
    8: if r6 == 0 goto +15
; examples/readline.ts:34
    9: call 14
   10: r0 >>= 32
   11: *(u32 *)(r6 + 0) = w0
; examples/readline.ts:35
   12: r1 = r6
   13: r1 += 4
   14: r2 = 16
   15: call 16
; examples/readline.ts:36
   16: r3 = r7
   17: r1 = r6
   18: r1 += 20
   19: r2 = 80
   20: call 114
; examples/readline.ts:37
   21: r1 = r6
   22: r2 = 0
   23: call 132
; examples/readline.ts:31
   24: r0 = 0
   25: exit
