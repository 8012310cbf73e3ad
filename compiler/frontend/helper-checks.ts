/**
 * What the kernel would refuse about a module's helper calls, reported at the call's TS span:
 * a helper the program's type may not call (TSB3018) and a GPL-only helper under a license that is
 * not GPL-compatible (TSB3017). The facts are the kernel's own answers (core/kernel
 * helper-access.ts); program types the records do not cover are not checked.
 *
 * Consumes the module state after lowering (every helper call with its function, the call graph,
 * each program's section, the license); produces diagnostics. A call in a function shared by several
 * programs is checked for each and reported once per code.
 */
import {
  HELPER_ACCESS,
  PROBED_PROG_TYPES,
  isGplCompatible,
  resolveSection,
} from "../../core/kernel/index.ts";
import type { ModuleState } from "./module-state.ts";

/** Functions reachable from `root` through the call graph, `root` included. */
function reachable(m: ModuleState, root: string): Set<string> {
  const seen = new Set([root]);
  const work = [root];
  while (work.length > 0) {
    for (const c of m.calls.get(work.pop()!) ?? []) {
      if (!seen.has(c)) {
        seen.add(c);
        work.push(c);
      }
    }
  }
  return seen;
}

/** Reports the helper calls the kernel would refuse. */
export function checkHelperCalls(m: ModuleState): void {
  const reported = new Set<string>();
  for (const [program, section] of m.programSections) {
    const progType = resolveSection(section)?.def.progType;
    if (!progType || !PROBED_PROG_TYPES.includes(progType)) continue;
    const funcs = reachable(m, program);
    for (const call of m.helperCalls) {
      if (!funcs.has(call.func)) continue;
      const access = HELPER_ACCESS[call.helper];
      if (!access) continue;
      const key = (code: string) => `${code}:${call.node.getStart()}`;
      if (!access.types.includes(progType)) {
        if (reported.has(key("TSB3018"))) continue;
        reported.add(key("TSB3018"));
        m.report("TSB3018", call.node, {
          helper: `bpf_${call.helper}`,
          progType,
          allowed:
            access.types.length > 0
              ? access.types.join(", ")
              : "none of the program types tsbpf can check",
        });
      } else if (access.gplIn.includes(progType) && !isGplCompatible(m.license)) {
        if (reported.has(key("TSB3017"))) continue;
        reported.add(key("TSB3017"));
        m.report("TSB3017", call.node, {
          helper: `bpf_${call.helper}`,
          progType,
          license: m.license ? `license "${m.license}"` : "no license",
        });
      }
    }
  }
}
