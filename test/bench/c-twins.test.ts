/**
 * The C twins of the codegen benchmark (bench/c/*.bpf.c): each compiles with clang-19 using the
 * benchmark's own flags, has the programs (hooks) its tool needs, and loads on the live kernel,
 * where the verifier's "processed N insns" is read back.
 *
 * Needs clang-19 and bpftool (vmlinux.h is generated from the kernel's BTF) to compile, and root to
 * load; skipped (or failed under CI) otherwise, via test/support/env.ts.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileC, defaultCacheDir, ensureVmlinuxHeader } from "../../bench/codegen/clang-build.ts";
import { countInstructions, type ProgramSize } from "../../bench/codegen/count.ts";
import { kernelLoadUnavailable, loadWithBpftool } from "../../bench/codegen/verifier.ts";
import { capability, hasCommand, hasKernelBpf } from "../support/env.ts";
import { UNKNOWN_TO_BPFTOOL, loadWithOwnLoader } from "../support/own-loader.ts";

const C_DIR = join(import.meta.dirname, "../../bench/c");
const SOURCES = readdirSync(C_DIR)
  .filter((f) => f.endsWith(".bpf.c"))
  .sort();

/** The hooks each tool must have, as SEC() strings: what makes it that tool. */
const EXPECTED_SECTIONS: Record<string, readonly string[]> = {
  "addrcopy.bpf.c": ["tracepoint/sock/inet_sock_set_state"],
  "commscan.bpf.c": ["tracepoint/raw_syscalls/sys_enter"],
  "fnvhash.bpf.c": ["tracepoint/syscalls/sys_enter_openat"],
  "ucalls.bpf.c": ["uprobe.multi/libc.so.6:str*"],
  "v6ext.bpf.c": ["xdp"],
  "zerorecord.bpf.c": ["tracepoint/sched/sched_process_exit"],
  "biolatency.bpf.c": ["tracepoint/block/block_rq_issue", "tracepoint/block/block_rq_complete"],
  "connect4-policy.bpf.c": ["cgroup/connect4"],
  "core-execsnoop.bpf.c": ["tracepoint/sched/sched_process_exec"],
  "core-exepath.bpf.c": ["tracepoint/sched/sched_process_exec"],
  "core-exitsnoop.bpf.c": ["tracepoint/sched/sched_process_exit"],
  "core-tcpstate.bpf.c": ["tracepoint/sock/inet_sock_set_state"],
  "flow-queue.bpf.c": ["xdp", "xdp"],
  "execsnoop.bpf.c": ["tracepoint/sched/sched_process_exec"],
  "exitsnoop.bpf.c": ["tracepoint/sched/sched_process_exit"],
  "lpm-firewall.bpf.c": ["xdp"],
  "lsm-fileopen.bpf.c": ["lsm/file_open"],
  "opensnoop.bpf.c": ["tracepoint/syscalls/sys_enter_openat"],
  "profile.bpf.c": ["perf_event"],
  "readline.bpf.c": ["uretprobe//bin/bash:readline"],
  "runqlat.bpf.c": ["tracepoint/sched/sched_wakeup", "tracepoint/sched/sched_switch"],
  "sockfilter.bpf.c": ["socket"],
  "sockmap-bypass.bpf.c": ["sk_msg"],
  "syscount.bpf.c": ["tracepoint/raw_syscalls/sys_enter"],
  "tc-marker.bpf.c": ["tc"],
  "tc-portcount.bpf.c": ["tc"],
  "tasklist.bpf.c": ["iter/task"],
  "tcp-reno.bpf.c": [
    "struct_ops/ssthresh",
    "struct_ops/undo_cwnd",
    "struct_ops/cong_avoid",
    "struct_ops/init",
    "struct_ops/set_state",
  ],
  "tcpconnect.bpf.c": ["tracepoint/sock/inet_sock_set_state"],
  "tenant-acl.bpf.c": ["xdp"],
  "vfsread-latency.bpf.c": ["fentry/vfs_read", "fexit/vfs_read"],
  "xdp-counter.bpf.c": ["xdp"],
  "xdp-firewall.bpf.c": ["xdp"],
  "xdp-nat.bpf.c": ["xdp"],
};

const canCompile = capability(
  "clang-19 + bpftool",
  hasCommand("clang-19") && hasCommand("bpftool", ["version"]),
  "C twins of the codegen benchmark compile",
);
const canLoad =
  canCompile &&
  capability(
    "root + bpftool",
    hasKernelBpf() && hasCommand("bpftool", ["version"]),
    "C twins of the codegen benchmark load on the kernel",
  );

const cacheDir = defaultCacheDir();

describe("bench/c twins", () => {
  it("every twin has an expected-hooks entry (and every entry a twin)", () => {
    expect(SOURCES).toEqual(Object.keys(EXPECTED_SECTIONS).sort());
  });

  describe.skipIf(!canCompile).each(SOURCES)("%s", (file) => {
    let programs: ProgramSize[];
    let objectPath: string;

    beforeAll(() => {
      ensureVmlinuxHeader(cacheDir);
      const built = compileC(join(C_DIR, file), cacheDir);
      objectPath = built.path;
      programs = countInstructions(built.bytes);
    });

    it("compiles with clang-19 into the expected programs", () => {
      expect(programs.map((p) => p.section).sort()).toEqual([...EXPECTED_SECTIONS[file]!].sort());
      for (const p of programs) {
        expect(p.insns, p.name).toBeGreaterThan(3);
        expect(p.subprograms, `${p.name}: helpers are meant to be inlined`).toBe(0);
      }
    });

    it.skipIf(!canLoad)("loads on the kernel, every program verified", () => {
      expect(kernelLoadUnavailable()).toBeUndefined();
      const report = loadWithBpftool(objectPath);
      // Sections newer than bpftool's libbpf (uprobe.multi): the kernel judges them through
      // tsbpf's loader instead, without the verifier's counts.
      if (!report.loaded && UNKNOWN_TO_BPFTOOL.test(report.error ?? "")) {
        expect(loadWithOwnLoader(readFileSync(objectPath))).toBe("");
        return;
      }
      const refused = programs.filter((p) => {
        const v = report.programs.get(p.name);
        return v !== undefined && "error" in v;
      });
      // Kernels under lockdown refuse BPF trampolines (fentry/fexit) even to root, before the verifier
      // runs; that refusal is accepted, with a note, for those hooks only.
      if (
        !report.loaded &&
        refused.every((p) => /^(f(entry|exit)|lsm|lsm_cgroup)\//.test(p.section))
      ) {
        expect(report.error).toMatch(/Operation not permitted/);
        process.stderr.write(
          `[tsbpf] NOTE ${file}: trampoline program (fentry/fexit/lsm) refused by this kernel\n`,
        );
        return;
      }
      expect(report.error).toBeUndefined();
      expect(report.loaded).toBe(true);
      for (const p of programs) {
        const v = report.programs.get(p.name);
        expect(v, p.name).toBeDefined();
        expect(v && "processed" in v ? v.processed : -1, p.name).toBeGreaterThanOrEqual(
          p.insns / 2,
        );
      }
    });
  });
});
