/**
 * `tsbpf run --vm` on packet programs prints what the run did to the packet: the bytes after the
 * run when they changed, the redirect target (bpf_redirect & co.) and bpf_clone_redirect's copies;
 * on sk_msg programs, the socket a message was redirected to.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
/** Ethernet + IPv4 + UDP, 50 bytes. */
const FRAME =
  "02000000000102000000000208004500002400000000401100000a0000010a000002" +
  "00010002001000000000000000000000";

it("tsbpf run --vm prints the redirect target, clones and the rewritten packet", () => {
  const pkt = join(mkdtempSync(join(tmpdir(), "tsbpf-outcome-")), "frame.bin");
  writeFileSync(pkt, Buffer.from(FRAME, "hex"));
  const args = ["bin/tsbpf.js", "run", "test/fixtures/packet-writes.ts", "--vm", "--packet", pkt];
  for (const p of ["tcRedirect", "tcClone", "xdpPop"]) args.push("-p", p);
  const r = spawnSync("node", args, { cwd: ROOT, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toContain(
    "ran tcRedirect 1 time in the VM; last return value TC_ACT_REDIRECT (7)\n  redirected ingress of ifindex 1 (bpf_redirect)\n",
  );
  expect(r.stderr).toContain(`  clone sent out of ifindex 1 (bpf_clone_redirect): ${FRAME}\n`);
  // xdpPop strips the Ethernet header.
  expect(r.stderr).toContain(`  packet after the run (36 bytes): ${FRAME.slice(28)}\n`);
});

it("tsbpf run --vm prints where an sk_msg program redirected its message", () => {
  // examples/sockmap-bypass.ts on a message from port 8080 to port 40000, whose peer is in the map.
  const ctx =
    "0000000000000000 0000000000000000 0200000000000000 0000000000000000 0000000000000000 " +
    "0000000000000000 0000000000000000 0000000000009c40 901f000005000000 0000000000000000";
  const args = ["bin/tsbpf.js", "run", "examples/sockmap-bypass.ts", "--vm", "--ctx-hex", ctx];
  const run = (set: string) =>
    spawnSync("node", [...args, "--set", set], { cwd: ROOT, encoding: "utf8" });
  // The SockHash key is struct Ends (its tsbpf.key tag), written as JSON.
  const r = run('sockets:{"localPort":40000,"remotePort":8080}=7');
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toContain(
    "ran bypass 1 time in the VM; last return value SK_PASS (1)\n" +
      "  redirected onto the receive queue of socket fd 7, sockets[409c0000901f0000] (bpf_msg_redirect_hash)\n",
  );
  // No entry for the peer (this key is the message's own end): no redirect, counted as passed.
  const r2 = run('sockets:{"localPort":8080,"remotePort":40000}=7');
  expect(r2.status, r2.stderr).toBe(0);
  expect(r2.stderr).not.toContain("redirected");
  expect(r2.stdout).toContain("@stats[1]: 1");
});
