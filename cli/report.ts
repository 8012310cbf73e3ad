/**
 * Turns an error that escaped a command into what the user sees: the message of a known user-facing
 * error (diagnostics, bytecode, ELF, VM and loader errors all carry a clear message), or a short
 * "internal error" line. Stack traces only with TSBPF_DEBUG=1.
 */

/** Prints the error and returns the exit code to use. */
export function reportFatal(err: unknown): number {
  const debug = process.env.TSBPF_DEBUG === "1";
  if (err instanceof Error) {
    const internal = err.name === "Error" || err.name === "TypeError" || err.name === "RangeError";
    process.stderr.write(`${internal ? "tsbpf: internal error: " : "tsbpf: "}${err.message}\n`);
    if (debug && err.stack) process.stderr.write(err.stack + "\n");
    return internal ? 70 : 1;
  }
  process.stderr.write(`tsbpf: ${String(err)}\n`);
  return 1;
}
