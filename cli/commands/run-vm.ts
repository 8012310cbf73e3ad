/**
 * `tsbpf run --vm`: runs each program `--repeat` times in the bundled VM on the input the user
 * gives (`--packet`, `--packet-hex`, `--ctx`, `--ctx-hex`), then prints return values, what a packet
 * program did to its packet, and the maps.
 */
import {
  RunError,
  write,
  number,
  parseHex,
  readBytes,
  printMaps,
  emitEvent,
  assignments,
  type RunFlags,
} from "./run-output.ts";
import { CodecError, VmSession, toJson, type VmSessionRun } from "../../runtime/user/index.ts";
import type { RunInput, VmRunResult } from "../../runtime/vm/api.ts";
import { VmError } from "../../runtime/vm/contract.ts";

function vmInput(o: RunFlags): RunInput {
  const given = [o.packet, o.packetHex, o.ctx, o.ctxHex].filter((x) => x !== undefined);
  if (given.length > 1)
    throw new RunError("give at most one of --packet, --packet-hex, --ctx, --ctx-hex");
  if (o.packet !== undefined) return { packet: readBytes(o.packet, "packet file") };
  if (o.packetHex !== undefined) return { packet: parseHex(o.packetHex, "--packet-hex") };
  if (o.ctx !== undefined) return { ctx: readBytes(o.ctx, "context file") };
  if (o.ctxHex !== undefined) return { ctx: parseHex(o.ctxHex, "--ctx-hex") };
  return {};
}

export function runVm(bytes: Uint8Array, o: RunFlags, file: string): number {
  const live = [o.duration, o.iface, o.tcDirection, o.prometheus, o.cgroup, o.netns];
  if ([...live, o.sockmap, o.netfilter].some((x) => x !== undefined)) {
    throw new RunError(
      "--duration/--iface/--tc-direction/--prometheus/--cgroup/--netns/--sockmap/--netfilter are for live probes; --vm runs each program --repeat times",
    );
  }
  const repeat = number(o.repeat, "--repeat", 1, 10_000_000);
  const input = vmInput(o);
  const set = o.set ? assignments(o.set) : undefined;
  let session: VmSession;
  try {
    session = VmSession.open(bytes, {
      ...(o.prog ? { programs: o.prog } : {}),
      ...(set ? { set } : {}),
      ...(o.cpus !== undefined ? { cpus: number(o.cpus, "--cpus", 1, 1024) } : {}),
    });
  } catch (e) {
    if (e instanceof CodecError) throw new RunError(e.message);
    throw e;
  }
  try {
    const last = new Map<string, VmSessionRun>();
    try {
      for (let i = 0; i < repeat; i++) {
        for (const r of session.runAll(input)) last.set(r.program, r);
        for (const e of session.poll()) emitEvent(e, o.json === true);
      }
    } catch (e) {
      // Without an input the context is empty, so a program's first ctx read faults: say why.
      if (e instanceof VmError && input.packet === undefined && input.ctx === undefined) {
        throw new RunError(
          `${file}: ${e.message}; no input given: pass --packet/--packet-hex or --ctx/--ctx-hex`,
        );
      }
      throw e;
    }
    for (const [p, r] of last) {
      const r0 = r.result.r0;
      const named = r.retName !== undefined ? `${r.retName} (${r0})` : `${r0}`;
      process.stderr.write(
        `ran ${p} ${repeat} time${repeat === 1 ? "" : "s"} in the VM; last return value ${named}\n`,
      );
      for (const line of packetOutcome(r.result, input.packet)) process.stderr.write(`  ${line}\n`);
      if (o.json) {
        const doc = {
          type: "return",
          program: p,
          runs: repeat,
          value: toJson(r0),
          name: r.retName,
        };
        write(JSON.stringify(doc) + "\n");
      }
    }
    if (!o.json) write("\n");
    printMaps(session.snapshots(), o.json === true);
    return 0;
  } finally {
    session.close();
  }
}

/**
 * What a packet program's last run did to its packet: changed bytes, redirect, clones; and where an
 * sk_msg / sk_skb program redirected its message (the socket fd of the map entry).
 */
function packetOutcome(r: VmRunResult, packet: Uint8Array | undefined): string[] {
  const out: string[] = [];
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  if (packet && r.packet && hex(r.packet) !== hex(packet)) {
    out.push(`packet after the run (${r.packet.length} bytes): ${hex(r.packet)}`);
  }
  if (r.redirect) {
    const where = r.redirect.ingress ? "ingress of" : "out of";
    out.push(`redirected ${where} ifindex ${r.redirect.ifindex} (bpf_${r.redirect.helper})`);
  }
  if (r.socketRedirect) {
    const s = r.socketRedirect;
    const where = s.ingress ? "onto the receive queue of" : "out of";
    out.push(`redirected ${where} socket fd ${s.socket}, ${s.map}[${s.key}] (bpf_${s.helper})`);
  }
  for (const c of r.clones ?? []) {
    const where = c.ingress ? "ingress of" : "out of";
    out.push(`clone sent ${where} ifindex ${c.ifindex} (bpf_clone_redirect): ${hex(c.packet)}`);
  }
  return out;
}
