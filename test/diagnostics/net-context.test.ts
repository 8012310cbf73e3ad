/**
 * Context rules of the socket and cgroup kinds (core/kernel/context-access.ts, probed from the
 * kernel): a field the hook may not read is TSB3041 at the field, a read-only one assigned TSB3008,
 * each naming the allowed fields for that hook; a hook the kind does not have is TSB3040.
 */
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";

async function errors(body: string): Promise<string[]> {
  const src = `import { cgroupSockAddr, cgroupSock } from "tsbpf";
${body}
export const license = "GPL";
`;
  const out = await compileSource(src, "t.ts", { check: true });
  return out.diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => `${d.code} ${d.line}:${d.col}`);
}

describe("socket and cgroup context rules", () => {
  it("connect4 writes user_ip4 and user_port; sock_create writes mark and priority", async () => {
    expect(
      await errors(`export const a = cgroupSockAddr("connect4", (ctx) => { ctx.user_ip4 = 1; ctx.user_port = 2; return 1; });
export const b = cgroupSock("sock_create", (ctx) => { ctx.mark = ctx.protocol; ctx.priority = 1; return 1; });`),
    ).toEqual([]);
  });

  it("connect4 may not read user_ip6 (TSB3041) nor write family (TSB3008)", async () => {
    const src = `import { cgroupSockAddr } from "tsbpf";
export const a = cgroupSockAddr("connect4", (ctx) => { ctx.family = 2; return ctx.user_ip6[0]; });
export const license = "GPL";
`;
    const out = await compileSource(src, "t.ts", { check: true });
    const msgs = out.diagnostics.map((d) => `${d.code} ${d.message}`);
    expect(msgs).toEqual([
      "TSB3008 cannot assign to 'ctx.family': a program in section 'cgroup/connect4' (BPF_PROG_TYPE_CGROUP_SOCK_ADDR) may write only 'user_ip4' and 'user_port' of struct bpf_sock_addr",
      "TSB3041 cannot use 'user_ip6' of the context: a program in section 'cgroup/connect4' (BPF_PROG_TYPE_CGROUP_SOCK_ADDR) may read only 'user_family', 'user_ip4', 'user_port', 'family', 'type' and 'protocol' and write only 'user_ip4' and 'user_port' of struct bpf_sock_addr (the kernel's verifier refuses any other field)",
    ]);
  });

  it("an unknown hook is TSB3040 at the hook (TypeScript's own check silenced)", async () => {
    expect(
      await errors(`// @ts-ignore
export const a = cgroupSockAddr("connect5", (ctx) => 1);`),
    ).toEqual(["TSB3040 3:33"]);
  });
});
