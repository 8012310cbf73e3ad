/**
 * Local storage on the live kernel (test/kernel/kinds/local-storage.ts): the loader creates task,
 * socket, inode and cgroup storage maps (BPF_F_NO_PREALLOC, max_entries 0, int key, BTF value), a
 * tp_btf program counts this process's system calls in its task storage (owner
 * bpf_get_current_task_btf), and a cgroup sock_create program tags sockets created by a process in a
 * child cgroup in their sk storage. The VM has no tasks or sockets to own values, so this is
 * kernel-only.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import {
  defaultCgroup,
  loadObject,
  MapType,
  type KernelLink,
  type LoadedObject,
} from "../../runtime/loader/index.ts";
import { capability, hasCommand } from "../support/env.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("local storage map kinds");
const python = run && capability("python3", hasCommand("python3"), "sk storage test");
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64At = (obj: LoadedObject, map: string, i: number) => {
  const v = obj.map(map).lookup(u32(i))!;
  return new DataView(v.buffer, v.byteOffset).getBigUint64(0, true);
};

describe.runIf(run)("local storage on the live kernel", () => {
  let obj: LoadedObject;
  let cgroup = "";
  const links: KernelLink[] = [];

  beforeAll(async () => {
    const src = readFileSync(join(import.meta.dirname, "kinds", "local-storage.ts"), "utf8");
    const out = await compileSource(src, "test/kernel/kinds/local-storage.ts", { check: true });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    obj = loadObject(out.object!);
  });

  afterAll(() => {
    for (const l of links.splice(0)) l.detach();
    obj?.close();
    if (cgroup) rmdirSync(cgroup);
  });

  it("creates the four storage kinds as the kernel requires them", () => {
    const rows = ["perTask", "perSocket", "perInode", "perCgroup"].map((n) => {
      const m = obj.map(n);
      return [m.type, m.keySize, m.maxEntries];
    });
    expect(rows).toEqual([
      [MapType.TASK_STORAGE, 4, 0],
      [MapType.SK_STORAGE, 4, 0],
      [MapType.INODE_STORAGE, 4, 0],
      [32, 4, 0], // BPF_MAP_TYPE_CGRP_STORAGE
    ]);
  });

  it("task storage: the tp_btf program counts this process's system calls in its task's value", () => {
    obj.map("watch").update(u32(0), u32(process.pid));
    links.push(obj.attach("countCalls"));
    for (let i = 0; i < 20; i++) statSync("/");
    const first = u64At(obj, "seen", 0);
    expect(first).toBeGreaterThan(0n);
    for (let i = 0; i < 50; i++) statSync("/");
    // The value lives with the task across runs: the 50 further calls add to it.
    expect(u64At(obj, "seen", 0)).toBeGreaterThan(first);
  });

  it.runIf(python)(
    "sk storage: sock_create tags the sockets a process in the cgroup creates",
    () => {
      cgroup = join(defaultCgroup(), `tsbpf-storage-${process.pid}`);
      mkdirSync(cgroup);
      links.push(obj.attach("tagSocket", { cgroup }));
      const before = u64At(obj, "seen", 1);
      const r = spawnSync(
        "sh",
        [
          "-c",
          `echo $$ > "${cgroup}/cgroup.procs" && exec python3 -c "import socket; [socket.socket() for _ in range(3)]"`,
        ],
        { encoding: "utf8" },
      );
      expect(r.status).toBe(0);
      expect(u64At(obj, "seen", 1) - before).toBe(3n);
    },
  );
});
