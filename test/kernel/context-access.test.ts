/**
 * core/kernel/context-access.ts is what the running kernel's verifier says: re-probed here (root),
 * every (program type, attach type) row must match the generated file on the same kernel version,
 * and the facts the packet-write features rely on are pinned.
 */
import { release } from "node:os";
import { describe, expect, it } from "vitest";
import { CONTEXT_ACCESS, CONTEXT_ACCESS_KERNEL, contextAccess } from "../../core/kernel/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const version = (r: string) => r.split("-")[0];

describe("context access records", () => {
  it("pin the writable fields the stdlib documents", () => {
    expect(contextAccess("SCHED_CLS", null)!.writable).toEqual([
      "mark",
      "queue_mapping",
      "priority",
      "tc_index",
      "cb",
      "tc_classid",
      "tstamp",
    ]);
    expect(contextAccess("SOCKET_FILTER", null)!.writable).toEqual(["cb"]);
    expect(contextAccess("XDP", "XDP")!.writable).toEqual([]);
    // Writability depends on the attach type: connect4 writes user_ip4, connect6 user_ip6.
    expect(contextAccess("CGROUP_SOCK_ADDR", "CGROUP_INET4_CONNECT")!.writable).toContain(
      "user_ip4",
    );
    expect(contextAccess("CGROUP_SOCK_ADDR", "CGROUP_INET6_CONNECT")!.writable).not.toContain(
      "user_ip4",
    );
    expect(contextAccess("SOCKET_FILTER", null)!.readable).not.toContain("data");
    expect(contextAccess("TRACING", "TRACE_FENTRY")).toBeUndefined();
  });

  it("match a fresh probe of the running kernel", async () => {
    if (!kernelReady("context access re-probe")) return;
    if (version(release()) !== version(CONTEXT_ACCESS_KERNEL)) {
      // Another kernel version may answer differently; regenerate with npm run probe:context-access.
      expect.soft(version(release())).toBe(version(CONTEXT_ACCESS_KERNEL));
      return;
    }
    const { probedContexts, probeContext } = await import("../../scripts/probe-context-access.ts");
    const fresh = probedContexts().flatMap((c) => {
      const r = probeContext(c);
      return r ? [{ ...c, ...r }] : [];
    });
    expect(fresh).toEqual(CONTEXT_ACCESS);
  });
});
