/**
 * Runs a generated program on the live kernel: BPF_PROG_LOAD (the verifier) then BPF_PROG_TEST_RUN
 * (kernel Documentation/bpf/bpf_prog_run.rst) with the program's packet, through runtime/loader.
 *
 * Consumes a `GeneratedProgram` and a kernel array map shared by all runs (its value is reset before
 * each run); produces either an `Outcome` or a rejection (the verifier log's last lines). The kernel
 * is the authority: the VM must match it on r0 (test-run retval: low 32 bits), the packet and the
 * map value (which holds all 64 bits of every scalar register, r0 included).
 */
import {
  createMap,
  loadProgram,
  MapType,
  ProgType,
  testRun,
  VerifierError,
  type KernelMap,
} from "../../runtime/loader/index.ts";
import { DIFF_LAYOUT, withMapFd, type GeneratedProgram } from "../support/gen/program-gen.ts";
import type { Outcome } from "./outcome.ts";

/** The kernel's answer for one program. */
export type KernelResult =
  | { readonly accepted: true; readonly outcome: Outcome }
  | { readonly accepted: false; readonly reason: string };

/** Creates the array map the generated programs use. Close it when done. */
export function createDiffMap(): KernelMap {
  return createMap({
    name: "diff",
    type: MapType.ARRAY,
    keySize: 4,
    valueSize: DIFF_LAYOUT.valueSize,
    maxEntries: 1,
  });
}

const KEY0 = new Uint8Array(4);

/** Loads and test-runs `program` once; a verifier rejection is a result, not an exception. */
export function runOnKernel(program: GeneratedProgram, map: KernelMap): KernelResult {
  let prog;
  try {
    prog = loadProgram({ name: "diff", type: ProgType.XDP, insns: withMapFd(program, map.fd) });
  } catch (e) {
    if (!(e instanceof VerifierError)) throw e;
    const tail = e.log.trimEnd().split("\n").slice(-4).join(" | ");
    return { accepted: false, reason: `${e.message}: ${tail}` };
  }
  try {
    map.update(KEY0, program.mapValue);
    const res = testRun(prog, { data: program.packet });
    return {
      accepted: true,
      outcome: {
        side: "kernel",
        r0: BigInt(res.retval >>> 0),
        r0Bits: 32,
        packet: res.dataOut,
        mapValue: map.lookup(KEY0) ?? new Uint8Array(0),
      },
    };
  } finally {
    prog.close();
  }
}
