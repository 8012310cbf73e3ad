/**
 * examples/execsnoop.ts in the VM: a sched_process_exec record whose path sits after the fixed
 * fields (reached through the __data_loc word) becomes one ring-buffer event with the path, pids, uid
 * and command name.
 */
import { describe, expect, it } from "vitest";
import { cString as cStr, i32, struct, u32 } from "../../runtime/vm/codecs.ts";
import { TRACE_ENTRY, cBytes, loadExample, traceEntry } from "./support.ts";

/** sched/sched_process_exec: filename is `__data_loc char[]` at offset 8 (stdlib SchedProcessExecArgs). */
const EXEC = struct({ ...TRACE_ENTRY, filename: u32, pid: i32, old_pid: i32 });
const EVENT = struct({ pid: u32, old_pid: u32, uid: u32, comm: cStr(16), filename: cStr(256) });

/** A record with `path` stored after the fixed part, as the kernel's trace buffer lays it out. */
function execRecord(path: string, pid: number, oldPid: number): Uint8Array {
  const data = cBytes(path);
  const at = EXEC.size;
  const rec = new Uint8Array(at + data.length);
  rec.set(
    EXEC.encode({ ...traceEntry(pid), filename: at | (data.length << 16), pid, old_pid: oldPid }),
  );
  rec.set(data, at);
  return rec;
}

describe("execsnoop", () => {
  it("reports the exec'd path from the __data_loc field, with pid, old pid, uid and comm", async () => {
    const obj = await loadExample("execsnoop", {
      process: { pid: 900, tgid: 900, uid: 1234, gid: 1234, comm: "ls" },
    });
    const r = obj.program("onExec").run({ ctx: execRecord("/usr/bin/ls", 900, 899) });
    expect(r.r0).toBe(0n);
    const events = obj.ringbuf("events").drain();
    expect(events).toHaveLength(1);
    expect(events[0]!.length).toBe(EVENT.size);
    expect(EVENT.decode(events[0]!)).toEqual({
      pid: 900,
      old_pid: 899,
      uid: 1234,
      comm: "ls",
      filename: "/usr/bin/ls",
    });
  });

  it("follows the offset wherever the record puts the string, and truncates at 255 bytes", async () => {
    const obj = await loadExample("execsnoop");
    const long = `/opt/${"x".repeat(400)}`;
    // Put 16 bytes of junk between the fixed part and the string: only the offset says where it is.
    const data = cBytes(long);
    const at = EXEC.size + 16;
    const rec = new Uint8Array(at + data.length).fill(0x41, EXEC.size, at);
    rec.set(
      EXEC.encode({ ...traceEntry(7), filename: at | (data.length << 16), pid: 7, old_pid: 7 }),
    );
    rec.set(data, at);
    obj.program("onExec").run({ ctx: rec });
    const [e] = obj.ringbuf("events").drain();
    expect(EVENT.decode(e!).filename).toBe(long.slice(0, 255));
  });

  it("reports one event per exec, in order", async () => {
    const obj = await loadExample("execsnoop");
    for (const [i, p] of ["/bin/sh", "/usr/bin/env", "/usr/bin/python3"].entries())
      obj.program("onExec").run({ ctx: execRecord(p, 100 + i, 100 + i) });
    const got = obj
      .ringbuf("events")
      .drain()
      .map((b) => EVENT.decode(b));
    expect(got.map((e) => [e.pid, e.filename])).toEqual([
      [100, "/bin/sh"],
      [101, "/usr/bin/env"],
      [102, "/usr/bin/python3"],
    ]);
  });
});
