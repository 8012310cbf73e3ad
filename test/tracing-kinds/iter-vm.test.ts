/**
 * `tsbpf run --vm` of iterator programs: walked in the VM over this host's objects
 * (runtime/vm/iter-host.ts) and printed as the live run prints them: examples/tasklist.ts lists the
 * CLI's parent (this test's process) with its parent and comm, an iter/bpf_map program the
 * object's own maps, an iter/tcp program the socket this test listens on. The kernel's walks of the
 * same programs: iter-kernel.test.ts (which also compares the VM's lines with the kernel's).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-iter-vm-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runVm = (file: string, ...flags: string[]) =>
  execFileSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), "run", "--vm", ...flags, file], {
    encoding: "utf8",
    timeout: 60_000,
  });

describe.runIf(process.platform === "linux")("tsbpf run --vm of iterators", () => {
  it("examples/tasklist.ts lists this process (the CLI's parent) with its parent and comm", () => {
    const out = runVm(join(ROOT, "examples/tasklist.ts"));
    const comm = readFileSync(`/proc/${process.pid}/comm`, "utf8").trim().slice(0, 15);
    const rows = out.split("\n").map((l) => l.trim().split(/\s+/));
    expect(rows.filter((r) => r[0] === String(process.pid))).toEqual([
      [String(process.pid), String(process.ppid), comm],
    ]);
    const json = runVm(join(ROOT, "examples/tasklist.ts"), "--json");
    const doc = JSON.parse(json.split("\n").find((l) => l.includes('"type":"iter"'))!);
    expect(doc).toMatchObject({ type: "iter", program: "tasks", target: "task" });
  });

  it("iter/bpf_map lists the object's own maps with their names and max_entries", () => {
    const file = join(dir, "maps.ts");
    writeFileSync(
      file,
      `
      import { ArrayMap, HashMap, iter, seqPrintf, u32, u64 } from "tsbpf";
      export const marker = new ArrayMap<u32>({ maxEntries: 4321 });
      export const counts = new HashMap<u32, u64>({ maxEntries: 77 });
      export const maps = iter("bpf_map", (ctx) => {
        const m = ctx.map;
        if (!m) return 0;
        seqPrintf(ctx, "%s %u %u\\n", m.name, m.max_entries, m.key_size);
        return 0;
      });
      export const license = "GPL";
    `,
    );
    const lines = runVm(file).split("\n");
    expect(lines).toContain("marker 4321 4");
    expect(lines).toContain("counts 77 4");
  });

  it("iter/tcp lists the socket this test listens on (its port, state LISTEN)", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const file = join(dir, "tcp.ts");
      writeFileSync(
        file,
        `
        import { iter, ntohs, seqPrintf } from "tsbpf";
        export const tcp = iter("tcp", (ctx) => {
          const sk = ctx.sk_common;
          if (!sk) return 0;
          seqPrintf(ctx, "%u %u %u %x\\n", sk.skc_num, ntohs(sk.skc_dport), sk.skc_state, sk.skc_rcv_saddr);
          return 0;
        });
        export const license = "GPL";
      `,
      );
      // 127.0.0.1 in network byte order, read as a little-endian u32.
      expect(runVm(file).split("\n")).toContain(`${port} 0 10 100007f`);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
