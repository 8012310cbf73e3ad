/**
 * The VM's default iterator objects (runtime/vm/iter-host.ts) read from a /proc tree: tasks in tid
 * order with their thread group, parent and task comm (a workqueue worker's work name dropped, as
 * task->comm lacks it), and TCP sockets with host-order local port, network-order peer port, state,
 * addresses as the kernel stores them and uid. Here over a fake /proc written by the test.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hostTasks, hostTcpSockets } from "../../runtime/vm/iter-host.ts";

const proc = mkdtempSync(join(tmpdir(), "tsbpf-fake-proc-"));
afterAll(() => rmSync(proc, { recursive: true, force: true }));

function task(pid: number, tid: number, comm: string, ppid: number, flags = 0, uid = 0): void {
  const dir = join(proc, String(pid), "task", String(tid));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "comm"), `${comm}\n`);
  writeFileSync(
    join(dir, "status"),
    `Name:\t${comm}\nPPid:\t${ppid}\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\nGid:\t7\t7\t7\t7\n`,
  );
  writeFileSync(join(dir, "stat"), `${tid} (${comm}) S ${ppid} 0 0 0 -1 ${flags} 0 0`);
}

describe("iterator objects from /proc", () => {
  it("tasks: every thread in tid order, pid = tid, the worker's own comm", () => {
    task(20, 20, "kworker/0:1H-kblockd", 2, 0x04208060);
    task(7, 7, "server", 1, 0x400100, 1000);
    task(7, 31, "server-io", 1, 0x400140, 1000);
    task(9, 9, "a (b) c", 7);
    const got = hostTasks(proc).map((e) => {
      const t = e.task as Record<string, unknown>;
      return [
        t.pid,
        t.tgid,
        Buffer.from(t.comm as Uint8Array).toString(),
        (t.real_parent as { tgid: number }).tgid,
        (t.cred as Record<string, number>)["uid.val"],
      ];
    });
    expect(got).toEqual([
      [7, 7, "server", 1, 1000],
      [9, 9, "a (b) c", 7, 0],
      [20, 20, "kworker/0:1H", 2, 0],
      [31, 7, "server-io", 1, 1000],
    ]);
  });

  it("tcp: ports, state, addresses and uid of /proc/net/tcp and tcp6 lines", () => {
    mkdirSync(join(proc, "net"), { recursive: true });
    const head =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    writeFileSync(
      join(proc, "net/tcp"),
      head +
        "   0: 0100007F:1F90 0200007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 1 1\n",
    );
    writeFileSync(
      join(proc, "net/tcp6"),
      head +
        "   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1\n",
    );
    const [v4, v6] = hostTcpSockets(proc);
    expect(v4).toEqual({
      sk_common: {
        skc_family: 2,
        skc_num: 8080,
        skc_dport: 0x31d4,
        skc_state: 1,
        skc_rcv_saddr: 0x0100007f,
        skc_daddr: 0x0200007f,
      },
      uid: 1000,
    });
    const sk = v6!.sk_common as Record<string, unknown>;
    expect([sk.skc_family, sk.skc_num, sk.skc_state, v6!.uid]).toEqual([10, 22, 10, 0]);
    expect([...(sk["skc_v6_rcv_saddr.in6_u.u6_addr8"] as Uint8Array)]).toEqual([
      ...Array(15).fill(0),
      1,
    ]);
  });
});
