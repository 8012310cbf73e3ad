/**
 * How usdt programs that read arguments find their site's spec on this kernel (core/usdt
 * `USDT_MODE_MAP`): by the attachment's bpf cookie when kprobe-type programs may call
 * bpf_get_attach_cookie (Linux 5.15), else by the probe's address, as libbpf decides with
 * probe_kern_bpf_cookie.
 *
 * Consumes the environment (`TSBPF_USDT_COOKIES=0` / `1` forces a mode) and, otherwise, one probe
 * load of `call bpf_get_attach_cookie; r0 = 0; exit` as a kprobe program, remembered for the
 * process; produces the default of `ObjectLoadOptions.usdtCookies`.
 */
import { helperRecord, programType } from "../../core/kernel/index.ts";
import { VerifierError } from "./errors.ts";
import { loadProgram } from "./program.ts";

let hasCookie: boolean | undefined;

/** Whether kprobe-type programs may call bpf_get_attach_cookie here (probed once). */
export function kernelHasAttachCookie(): boolean {
  if (hasCookie !== undefined) return hasCookie;
  const insns = new Uint8Array(24);
  insns[0] = 0x85; // call imm
  new DataView(insns.buffer).setInt32(4, helperRecord("get_attach_cookie")!.id, true);
  insns[8] = 0xb7; // mov64 r0, 0
  insns[16] = 0x95; // exit
  try {
    const type = programType("KPROBE")!.id;
    loadProgram({ name: "cookie_probe", type, insns, license: "GPL" }).close();
    hasCookie = true;
  } catch (e) {
    if (!(e instanceof VerifierError)) throw e;
    hasCookie = false;
  }
  return hasCookie;
}

/** The default of `ObjectLoadOptions.usdtCookies`: the environment's choice, else the probe's. */
export function defaultUsdtCookies(env: NodeJS.ProcessEnv = process.env): boolean {
  const forced = env.TSBPF_USDT_COOKIES;
  if (forced === "0" || forced === "1") return forced === "1";
  return kernelHasAttachCookie();
}
