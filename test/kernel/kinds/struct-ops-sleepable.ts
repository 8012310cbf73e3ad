/**
 * Kernel fixture: a struct_ops map whose members load as sleepable programs
 * (`SEC("struct_ops.s/<member>")`, BPF_F_SLEEPABLE). ssthresh calls copyFromUser, a helper the
 * verifier allows only in a sleepable program ("helper call might sleep in a non-sleepable prog"
 * without the flag: test/kernel/struct-ops.test.ts). The tests only load it — a TCP congestion
 * control is called from softirq, where a sleepable program must not run, so nothing registers it.
 */
import { ArrayMap, copyFromUser, kernelPtr, structOps, zeroed, type FixedArray, u64 } from "tsbpf";

/** The last word ssthresh copied from user address 0 (it faults: stays 0). */
export const copied = new ArrayMap<u64>({ maxEntries: 1 });

export const sleepy = structOps(
  "tcp_congestion_ops",
  {
    name: "tsbpf_sleepy",
    ssthresh: (_ctx, sk) => {
      const word: FixedArray<u64, 1> = zeroed();
      if (copyFromUser(word, 0) === 0) {
        const v = copied.lookup(0);
        if (v !== null) v.value = word[0];
      }
      return kernelPtr("tcp_sock", sk).snd_cwnd;
    },
    undo_cwnd: (_ctx, sk) => kernelPtr("tcp_sock", sk).snd_cwnd,
    cong_avoid: (_ctx, _sk, _ack, _acked) => 0,
  },
  { sleepable: true },
);

export const license = "GPL";
