/**
 * `tsbpf run` end to end, as a child process: a clang-built tracepoint counter on
 * syscalls/sys_enter_openat with ring buffer events, while this test opens files; then checks the
 * events and final maps in text and JSON, that bpftool shows nothing of ours afterwards (programs,
 * links, maps), that a verifier rejection leaves nothing behind, Ctrl-C, --vm and the message
 * without privileges.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { capability, hasCommand } from "../support/env.ts";
import { canDropPrivileges, runUnprivileged } from "../support/unprivileged.ts";
import { clangForFixtures, kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("tsbpf run end to end");
const clang = run ? clangForFixtures("tsbpf run end to end") : undefined;
const BIN = join(import.meta.dirname, "../../bin/tsbpf.js");

/** TypeScript twin of fixtures/opens.bpf.c: openat counts per pid plus { pid, comm } records. */
const PROBE_TS = `import {
  HashMap,
  ArrayMap,
  RingBuf,
  CharArray,
  u32,
  u64,
  getCurrentPidTgid,
  getCurrentComm,
  tracepoint,
  zeroed,
} from "tsbpf";

interface Ev {
  pid: u32;
  comm: CharArray<16>;
}

const opens = new HashMap<u32, u64>({ maxEntries: 1024 });
const events = new RingBuf<Ev>({ maxEntries: 65536 });
let total: u64 = 0;

export const count = tracepoint("syscalls/sys_enter_openat", (ctx) => {
  const pid = u32(getCurrentPidTgid() >> 32);
  const v = opens.lookup(pid);
  if (v) {
    v.value += 1;
  } else {
    opens.update(pid, 1);
  }
  total += 1;
  const e = events.reserve();
  if (e) {
    e.value.pid = pid;
    getCurrentComm(e.value.comm);
    events.submit(e);
  }
  return 0;
});

export const license = "GPL";
`;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns `tsbpf run ...`; `during` runs once the probes are attached and gets the pid. */
function tsbpf(args: string[], during?: (pid: number) => Promise<void> | void): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "run", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let started = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (!started && stderr.includes("Ctrl-C to stop")) {
        started = true;
        Promise.resolve(during?.(child.pid!)).catch(reject);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function bpftool(...args: string[]): string {
  return execFileSync("bpftool", args, { encoding: "utf8" });
}

describe.runIf(run && clang && hasCommand("bpftool", ["version"]))(
  "tsbpf run (live kernel)",
  () => {
    let dir: string;
    const obj = (name: string) => join(dir, `${name}.o`);

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "tsbpf-run-cli-"));
      for (const name of ["opens", "rejected", "buffers"]) {
        execFileSync(clang!, [
          "-O2",
          "-g",
          "-target",
          "bpf",
          "-mcpu=v3",
          "-I/usr/include/x86_64-linux-gnu",
          "-c",
          join(import.meta.dirname, `fixtures/${name}.bpf.c`),
          "-o",
          obj(name),
        ]);
      }
      writeFileSync(join(dir, "m"), "x");
      writeFileSync(join(dir, "probe.ts"), PROBE_TS);
    });

    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** Opens marker files for ~1s; returns how many opens were done. */
    async function openMarkers(): Promise<number> {
      let n = 0;
      const end = Date.now() + 1000;
      while (Date.now() < end) {
        readFileSync(join(dir, "m"));
        n++;
        await new Promise((r) => setTimeout(r, 20));
      }
      return n;
    }

    it("streams events and prints final counts, leaving no program, link or map behind", async () => {
      let opened = 0;
      let progId = "";
      const out = await tsbpf([obj("opens"), "--duration", "2.5"], async () => {
        progId = bpftool("prog", "show", "name", "tsbpf_t_opens").split(":")[0]!.trim();
        opened = await openMarkers();
      });
      expect(out.stderr).toContain("attached tsbpf_t_opens (tracepoint/syscalls/sys_enter_openat)");
      expect(out.code).toBe(0);
      expect(progId).toMatch(/^\d+$/);
      expect(opened).toBeGreaterThan(10);
      const marker = `.fname = ${join(dir, "m")} }`;
      const ours = out.stdout
        .split("\n")
        .filter((l) => l.startsWith(`events: { .pid = ${process.pid}, `) && l.endsWith(marker));
      expect(ours.length).toBeGreaterThanOrEqual(opened);
      const count = new RegExp(`^@opens_by_pid\\[${process.pid}\\]: (\\d+)$`, "m").exec(out.stdout);
      expect(Number(count?.[1])).toBeGreaterThanOrEqual(opened);
      expect(out.stdout).toMatch(/^@name_len_hist:\n(\[.*\|\n)+/m);
      expect(out.stdout).toMatch(/^@total_opens: \d+$/m);
      expect(out.stdout).not.toContain("unused_event");

      eventually(() => {
        expect(bpftool("prog", "show")).not.toContain("tsbpf_t_opens");
        expect(bpftool("map", "show")).not.toMatch(/opens_by_pid|name_len_hist/);
        expect(bpftool("link", "show")).not.toMatch(new RegExp(`prog ${progId}\\b`));
      });
    }, 60_000);

    it("compiles and runs a TypeScript probe", async () => {
      const out = await tsbpf([join(dir, "probe.ts"), "--duration", "2"], () => void openMarkers());
      expect(out.stderr).toContain("attached count (tracepoint/syscalls/sys_enter_openat)");
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(
        new RegExp(`^events: \\{ \\.pid = ${process.pid}, \\.comm = \\S+ \\}$`, "m"),
      );
      expect(out.stdout).toMatch(new RegExp(`^@opens\\[${process.pid}\\]: \\d+$`, "m"));
      expect(out.stdout).toMatch(/^@total: \d+$/m);
      eventually(() => {
        expect(bpftool("prog", "show")).not.toMatch(/name count\b/);
      });
    }, 90_000);

    it("prints JSON lines for events and one document per map", async () => {
      const out = await tsbpf(
        [obj("opens"), "--duration", "2", "--json"],
        () => void openMarkers(),
      );
      expect(out.code).toBe(0);
      const docs = out.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { type: string; name?: string; map?: string; data: unknown });
      const events = docs.filter((d) => d.type === "event");
      expect(events.some((e) => (e.data as { pid: number }).pid === process.pid)).toBe(true);
      expect(events.every((e) => e.map === "events")).toBe(true);
      const counts = docs.find((d) => d.name === "opens_by_pid")!;
      expect(
        (counts.data as { key: number; value: number }[]).find((e) => e.key === process.pid)?.value,
      ).toBeGreaterThan(0);
      expect(docs.find((d) => d.name === "name_len_hist")?.type).toBe("hist");
      expect(docs.find((d) => d.name === ".bss")?.data).toMatchObject({
        total_opens: expect.any(Number),
      });
    }, 60_000);

    it("stops cleanly on Ctrl-C and still prints the maps", async () => {
      const out = await tsbpf([obj("opens")], async (pid) => {
        await openMarkers();
        process.kill(pid, "SIGINT");
      });
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(new RegExp(`^@opens_by_pid\\[${process.pid}\\]: \\d+$`, "m"));
      eventually(() => {
        expect(bpftool("prog", "show")).not.toContain("tsbpf_t_opens");
      });
    }, 60_000);

    it("a verifier rejection is one clear error and leaves nothing behind", async () => {
      const out = await tsbpf([obj("rejected"), "--duration", "1"]);
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(
        /verifier rejected program "tsbpf_rej_bad" at instruction \d+ \(return \*v;/,
      );
      expect(out.stderr).toContain("R0 invalid mem access 'map_value_or_null'");
      expect(out.stderr).not.toMatch(/^\s+at /m);
      eventually(() => {
        expect(bpftool("prog", "show")).not.toMatch(/tsbpf_rej_(ok|bad)/);
        expect(bpftool("map", "show")).not.toContain("tsbpf_rej_map");
      });
    }, 60_000);

    it("runs only the programs chosen with --prog", async () => {
      const out = await tsbpf([obj("rejected"), "--prog", "tsbpf_rej_ok", "--duration", "0.5"]);
      expect(out.code).toBe(0);
      expect(out.stderr).toContain("attached tsbpf_rej_ok (tracepoint/syscalls/sys_enter_getpid)");
      expect(out.stdout).toContain("@tsbpf_rej_map: (no entries)");
      eventually(() => {
        expect(bpftool("prog", "show")).not.toContain("tsbpf_rej_ok");
      });
    }, 60_000);

    it("without privileges says so once and suggests --vm", async () => {
      // As nobody with only CAP_DAC_READ_SEARCH: reaches a checkout under a 0700 home, no bpf().
      if (!capability("setpriv", canDropPrivileges(), "tsbpf run without privileges")) return;
      const out = runUnprivileged(process.execPath, [BIN, "run", obj("opens"), "--duration", "1"]);
      expect(out.code).toBe(1);
      expect(out.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(
          /^tsbpf run: loading BPF programs into the kernel needs root \(or CAP_BPF \+ CAP_PERFMON\): .*EPERM/,
        ),
        "  run it with sudo, or use --vm to run the programs in the bundled VM on inputs you give",
      ]);
    }, 60_000);

    it("--vm runs programs on the given packet and prints decoded records and maps", async () => {
      const out = await tsbpf([
        obj("buffers"),
        "--vm",
        "--prog",
        "rb_xdp",
        "--packet-hex",
        "00112233445566778899aabb0800",
        "--repeat",
        "3",
      ]);
      expect(out.code).toBe(0);
      expect(out.stdout).toBe(
        [
          "events: { .seq = 0, .len = 14, .tag = ringbuf }",
          "samples[cpu 0]: { .seq = 0, .len = 7, .tag = perf }",
          "events: { .seq = 1, .len = 14, .tag = ringbuf }",
          "samples[cpu 0]: { .seq = 1, .len = 7, .tag = perf }",
          "samples[cpu 0]: { .seq = 2, .len = 7, .tag = perf }",
          "",
          "@seq: 3",
          "",
        ].join("\n"),
      );
      expect(out.stderr).toContain("ran rb_xdp 3 times in the VM; last return value XDP_PASS (2)");
      const say = await tsbpf([
        obj("buffers"),
        "--vm",
        "--prog",
        "say_xdp",
        "--packet-hex",
        "00",
        "--repeat",
        "2",
      ]);
      expect(say.stdout).toBe("tsbpf-buffers says 42\ntsbpf-buffers says 42\n\n@seq: 0\n");
    }, 60_000);

    it("reports bad inputs as one line", async () => {
      const bad = await tsbpf([obj("buffers"), "--vm", "--packet-hex", "xyz"]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe('tsbpf run: --packet-hex: not a hex byte string: "xyz"\n');
      const missing = await tsbpf([join(dir, "missing.o")]);
      expect(missing.stderr).toBe(
        `tsbpf run: cannot read object file ${join(dir, "missing.o")}: ENOENT\n`,
      );
      const dur = await tsbpf([obj("opens"), "--duration", "soon"]);
      expect(dur.stderr).toBe(
        "tsbpf run: --duration must be a number from 0 to 86400, got 'soon'\n",
      );
    }, 60_000);
  },
);
