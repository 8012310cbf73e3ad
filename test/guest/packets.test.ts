/**
 * The packet examples on the second kernel (Linux 6.1 under QEMU, test/support/qemu.ts), on the
 * guest's `lo`: xdp-counter counts the guest's UDP datagrams (and the ICMP port-unreachable replies
 * they cause), xdp-firewall drops what comes from a blocklisted address, sockfilter keeps the
 * guest's TCP frames. tc-portcount loads on 6.1 (load.test.ts) but cannot attach: tsbpf attaches tc
 * programs with tcx links, which Linux 6.6 introduced; the test pins down the error 6.1 gets.
 *
 * Run with `npm run test:kernels`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countLines } from "../run-examples/support.ts";
import { bootGuest, guestReady, type Guest } from "../support/qemu.ts";
import { buildExamplesInto, runInGuestTool, type GuestRun } from "./support.ts";

const ready = guestReady("packet examples on the 6.1 guest kernel");
const EXAMPLES = ["xdp-counter", "xdp-firewall", "sockfilter", "tc-portcount"];
/** The blocklist key, an Ipv4Addr: `tsbpf run` prints it as its address. */
const LOOPBACK_2 = "127.0.0.2";
const XDP_DROP = "1";
const XDP_PASS = "2";

/** sh: `n` UDP datagrams from `from` to 127.0.0.1:`port` (node's dgram, which can bind a source). */
const sendUdp = (from: string, port: number, n: number) =>
  `node -e "const s = require('dgram').createSocket('udp4'); s.bind(0, '${from}', async () => {` +
  ` for (let i = 0; i < ${n}; i++) await new Promise((r) => s.send('x', ${port}, '127.0.0.1', r));` +
  ` s.close(); });"`;

function expectRan(run: GuestRun, programs: readonly string[]): void {
  if (run.code !== 0) throw new Error(`tsbpf run in the guest failed:\n${run.log}`);
  for (const p of programs) expect(run.stderr, run.log).toContain(`attached ${p} (`);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe.runIf(ready)("packet examples on Linux 6.1 (QEMU guest)", () => {
  let guest: Guest;
  const started = Date.now();
  beforeAll(async () => {
    guest = await bootGuest();
    await buildExamplesInto(guest.box, EXAMPLES);
  }, 600_000);
  afterAll(async () => {
    await guest?.close();
    if (guest)
      process.stderr.write(
        `[tsbpf] guest ${guest.release}: boot ${(guest.bootMs / 1000).toFixed(1)} s, ` +
          `packet tests ${((Date.now() - started - guest.bootMs) / 1000).toFixed(1)} s\n`,
      );
  }, 60_000);

  it("xdp-counter counts UDP datagrams sent over lo by protocol", async () => {
    const n = 20;
    const run = await runInGuestTool(guest, "xdp-counter", sendUdp("127.0.0.1", 4242, n), {
      args: "--iface lo",
    });
    expectRan(run, ["countProtocols"]);
    expect(countLines(run.stdout, "byProtocol").get("17"), run.log).toBeGreaterThanOrEqual(
      BigInt(n),
    );
  });

  it("xdp-firewall drops the datagrams of a --set blocklisted source and counts them", async () => {
    const run = await runInGuestTool(
      guest,
      "xdp-firewall",
      `${sendUdp("127.0.0.2", 4243, 5)}; ${sendUdp("127.0.0.1", 4243, 3)}`,
      { args: "--iface lo --set blocklist:127.0.0.2=0" },
    );
    expectRan(run, ["firewall"]);
    expect(countLines(run.stdout, "blocklist").get(LOOPBACK_2), run.log).toBe(5n);
    const verdicts = countLines(run.stdout, "verdicts");
    expect(verdicts.get(XDP_DROP)).toBe(5n);
    expect(verdicts.get(XDP_PASS)).toBeGreaterThanOrEqual(3n);
  });

  it("sockfilter keeps the TCP frames of a connect on lo and counts them", async () => {
    const js =
      "const net = require('net');" +
      "const s = net.createServer((c) => c.end()).listen(0, '127.0.0.1', () => {" +
      "require('fs').writeFileSync(process.env.B + '.port', String(s.address().port));" +
      "const c = net.connect(s.address().port, '127.0.0.1', () => { c.end(); s.close(); }); });";
    const run = await runInGuestTool(guest, "sockfilter", `node -e "${js}"`, {
      args: "--iface lo",
    });
    expect(run.stderr, run.log).toContain("attached sockfilter (socket) on a packet socket on lo");
    expectRan(run, []);
    const port = run.fact("port");
    const kept = run.stdout
      .split("\n")
      .filter((l) => /^packet lo: \d+ bytes IPv4 TCP /.test(l) && l.includes(`127.0.0.1:${port}`));
    // SYN, SYN-ACK, ACK, FIN…: each seen twice on lo (sent and received).
    expect(kept.length, run.log).toBeGreaterThanOrEqual(6);
    expect(countLines(run.stdout, "protoCounts").get("6")).toBeGreaterThanOrEqual(
      BigInt(kept.length),
    );
  });

  it("tc-portcount cannot attach on 6.1: one clear line naming tcx and Linux 6.6", async () => {
    const run = await runInGuestTool(guest, "tc-portcount", "true", { args: "--iface lo" });
    expect(run.code).toBe(-1); // never attached: the job stopped waiting, tsbpf run had exited
    const lines = run.stderr.trim().split("\n");
    expect(lines, run.log).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^tsbpf: .*tc-portcount\.o: BPF_LINK_CREATE \(attaching tc program "portcount" to lo ingress \(tcx\)\) failed: EINVAL: .*tcx needs Linux 6\.6\+/,
    );
  });
});
