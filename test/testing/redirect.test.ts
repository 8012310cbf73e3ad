/**
 * `p.program(name).run(...)`'s `redirect`: in the VM, the target of the program's last redirect
 * helper when the verdict is a redirect; on the kernel (BPF_PROG_TEST_RUN reports only the return
 * value) the same verdict and no `redirect`, as documented on `ProbeRunResult.redirect`.
 */
import { describe, expect, it } from "vitest";
import { ethernet, ipv4, loadProbe, packet, udp } from "../../testing/index.ts";

const PROBE = "test/testing/fixtures/redirect-probe.ts";
type Redirector = typeof import("./fixtures/redirect-probe.ts");

const ip = packet(
  ethernet(),
  ipv4({ src: "10.0.0.1", dst: "10.0.0.2" }),
  udp({ sport: 1, dport: 2 }),
);
const arp = packet(ethernet({ type: 0x0806 }), new Uint8Array(28));

for (const target of ["vm", "kernel"] as const) {
  describe(`redirect on the ${target}`, () => {
    it("reports where bpf_redirect sent the packet, only when the verdict redirects", async (ctx) => {
      const p = await loadProbe<Redirector>(PROBE, { target, test: ctx });
      const prog = p.program("toSeven");
      const sent = prog.run({ packet: ip });
      expect(sent.retName).toBe("XDP_REDIRECT");
      if (target === "vm")
        expect(sent.redirect).toEqual({ helper: "redirect", ifindex: 7, ingress: false });
      else expect(sent.redirect).toBeUndefined();
      const kept = prog.run({ packet: arp });
      expect(kept.retName).toBe("XDP_PASS");
      expect(kept.redirect).toBeUndefined();
    });
  });
}
