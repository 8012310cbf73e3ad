/**
 * tasklist: every process of the system with its pid, parent pid and command name, like `ps -e`
 * (one `pid ppid comm` line each), printed by a BPF task iterator.
 *
 * Shows: `iter("task", ...)` (SEC("iter/task")): the kernel calls the program once per task and
 * once more with a null task at the end; the context's `task` is a BTF pointer the program reads
 * directly after its null check; `seqPrintf` formats into the iterator's output (`%s` of a
 * `char[16]` kernel field passes its address). Threads other than a process's main thread are
 * skipped (pid != tgid).
 *
 * Run it: `tsbpf run examples/tasklist.ts` (root) prints the listing and exits.
 */
import { iter, seqPrintf } from "tsbpf";

export const tasks = iter("task", (ctx) => {
  const task = ctx.task;
  if (!task) return 0;
  if (task.pid !== task.tgid) return 0;
  seqPrintf(ctx, "%8d %8d %s\n", task.tgid, task.real_parent.tgid, task.comm);
  return 0;
});

export const license = "GPL";
