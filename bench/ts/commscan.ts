/**
 * commscan (codegen benchmark shape: a loop over a char array with an early break): counts
 * syscalls of processes whose command name ends in a digit (worker threads such as `kworker/0`),
 * measuring the name up to its terminating NUL. C twin: bench/c/commscan.bpf.c.
 */
import { CharArray, HashMap, getCurrentComm, tracepoint, u32, u64, uninit } from "tsbpf";

const TASK_COMM_LEN = 16;

const byLength = new HashMap<u32, u64>({ maxEntries: 32 });

export const onSysEnter = tracepoint("raw_syscalls/sys_enter", () => {
  const comm: CharArray<16> = uninit();
  getCurrentComm(comm);
  let len: u32 = 0;
  for (let i = 0; i < TASK_COMM_LEN; i++) {
    if (comm[i] === 0) break;
    len++;
  }
  if (len === 0) return 0;
  const last = comm[len - 1];
  if (last < 48 || last > 57) return 0;
  const count = byLength.lookup(len);
  if (count === null) byLength.update(len, 1);
  else count.value += 1;
  return 0;
});

export const license = "GPL";
