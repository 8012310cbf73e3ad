/**
 * Shared setup for live-kernel tests: decides whether they run (root + bpf(), via
 * `capability` from env.ts) and makes sure tracefs and bpffs are mounted, mounting them when absent
 * (CI containers often start without them).
 */
import { capability, findClang } from "./env.ts";

// kernelReady (root + bpf() + BTF, then tracefs and bpffs mounted) is tsbpf/test's rule too.
export { BPFFS, kernelReady, TRACEFS } from "../../testing/probe-skip.ts";

/** The clang able to compile BPF C fixtures, or undefined (after reporting via `capability`). */
export function clangForFixtures(what: string): string | undefined {
  const clang = findClang();
  return capability("clang (BPF target)", clang !== undefined, what) ? clang : undefined;
}
