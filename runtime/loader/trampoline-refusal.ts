/**
 * Explaining why a kernel refuses programs that need a BPF trampoline (fentry, fexit, fmod_ret, lsm,
 * freplace) with EPERM even to root.
 *
 * Trampolines are generated code that ftrace patches into the traced kernel function's entry
 * (kernel/bpf/trampoline.c, register_ftrace_direct), so they need CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS
 * and a kernel willing to patch its own text for users. Some hardened kernels refuse the second: they
 * reject such programs at BPF_PROG_LOAD before the verifier runs (no verifier log, and EPERM even for
 * an invalid attach_btf_id, which the verifier would answer with EINVAL), and they also close
 * tracefs' function-hook files (available_filter_functions, set_ftrace_filter) to root.
 *
 * Consumes: the running system (tracefs, securityfs, /proc/config.gz), read only when a refusal
 * happens. Produces: one line of evidence-based explanation for the error message.
 */
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { programKindOnKernel } from "./kind-refusal.ts";
import { AttachType, ProgType } from "./sys/constants.ts";

/** True for program / expected attach types that run through a BPF trampoline. */
export function needsTrampoline(progType: number, attachType: number): boolean {
  if (progType === ProgType.LSM || progType === ProgType.EXT) return true;
  return (
    progType === ProgType.TRACING &&
    attachType !== AttachType.TRACE_RAW_TP &&
    attachType !== AttachType.TRACE_ITER
  );
}

/** "y", "n" (absent) or undefined when the kernel config (/proc/config.gz) cannot be read. */
export function kernelConfig(option: string): "y" | "n" | undefined {
  try {
    const text = gunzipSync(readFileSync("/proc/config.gz")).toString("utf8");
    return new RegExp(`^${option}=y$`, "m").test(text) ? "y" : "n";
  } catch {
    return undefined;
  }
}

/** True when root cannot open the ftrace function-hook list, undefined when unknown. */
function ftraceHooksForbidden(): boolean | undefined {
  for (const root of ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]) {
    const file = `${root}/available_filter_functions`;
    if (!existsSync(file)) continue;
    try {
      closeSync(openSync(file, "r"));
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === "EPERM";
    }
  }
  return undefined;
}

function lockdownMode(): string | undefined {
  try {
    return /\[(\w+)\]/.exec(readFileSync("/sys/kernel/security/lockdown", "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

/**
 * One line saying why trampolines are refused here, as precisely as the system lets us tell: the
 * program's kind and the kernel version, then the evidence.
 */
export function explainTrampolineRefusal(progType: number, attachType: number): string {
  const head =
    `${programKindOnKernel(progType, attachType)} is refused even as root, before verification: ` +
    "this kernel does not allow BPF trampolines, which fentry/fexit/fmod_ret, lsm and freplace " +
    "programs need";
  const tail = "; tp_btf and raw_tp programs still can attach to the same kinds of events";
  const direct = kernelConfig("CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS");
  if (direct === "n")
    return `${head} (it is built without CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS)${tail}`;
  const lockdown = lockdownMode();
  const facts: string[] = [];
  if (ftraceHooksForbidden()) {
    facts.push(
      "its ftrace function hooks are closed to root too (opening available_filter_functions " +
        "gives EPERM), so kernel policy forbids patching kernel functions",
    );
  } else {
    facts.push("kernel lockdown or an LSM forbids them");
  }
  if (lockdown && lockdown !== "none") facts.push(`lockdown is "${lockdown}"`);
  if (direct === "y")
    facts.push("the feature itself is built in: CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y");
  return `${head} (${facts.join("; ")})${tail}`;
}
