/**
 * Waiting for the kernel's asynchronous cleanup in tests. After the last file descriptor of a BPF
 * program, map or link closes, the kernel frees it from a workqueue / RCU callback, so for a short
 * while `bpftool ... show` may still list it. Leftover checks poll instead of sampling once: an object
 * that is really leaked stays listed past the timeout and the assertion fails with its last message.
 */

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Runs `check` (which throws while its condition does not hold) until it passes or `timeoutMs` ends. */
export function eventually(check: () => void, timeoutMs = 5000, stepMs = 100): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      Atomics.wait(sleeper, 0, 0, stepMs);
    }
  }
}
