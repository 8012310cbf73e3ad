/**
 * Shared helpers of the live example tests: run `node bin/tsbpf.js run examples/<tool>.ts ...` as
 * a child process, start the traced activity once every program is attached, and check afterwards
 * that nothing of that run is left in the kernel.
 *
 * Consumes example names and CLI arguments; produces the child's exit code, stdout and stderr, and
 * the kernel objects (program, map and link ids, from `bpftool -j`) the run created.
 *
 * Leftover checks work by id, not by name, because other test suites may load programs with the
 * same names at the same time: "ours" are exactly the program, map and link ids the child process
 * holds file descriptors for (read from /proc/<pid>/fdinfo while the tool runs, so the check is known
 * to look at something real), and they must all be gone after it exits. The kernel frees programs and
 * maps asynchronously after the last fd closes, so the check polls for a few seconds.
 */
import { execFileSync, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { hasCommand } from "../support/env.ts";
import { kernelReady } from "../support/kernel-setup.ts";

/** The repository root. */
export const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/tsbpf.js");

/** True when the live example tests can run here (root, bpf(), tracefs/bpffs, bpftool). */
export function liveReady(what: string): boolean {
  return kernelReady(what) && hasCommand("bpftool", ["version"]);
}

/** What a `tsbpf run` child did. */
export interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Kernel objects of this run, recorded while it ran (empty if it never got attached). */
  readonly ours: KernelIds;
}

/** Program, map and link ids. */
export interface KernelIds {
  readonly progs: readonly number[];
  readonly maps: readonly number[];
  readonly links: readonly number[];
}

interface ProgJson {
  id: number;
  name?: string;
  map_ids?: number[];
}

function bpftoolJson<T>(...args: string[]): T[] {
  const text = execFileSync("bpftool", ["-j", ...args], { encoding: "utf8" }).trim();
  return text ? (JSON.parse(text) as T[]) : [];
}

/** The BPF program, map and link ids that process `pid` holds file descriptors for. */
function idsHeldBy(pid: number): KernelIds {
  const out = { progs: [] as number[], maps: [] as number[], links: [] as number[] };
  const dir = `/proc/${pid}/fdinfo`;
  for (const fd of readdirSync(dir)) {
    let info: string;
    try {
      info = readFileSync(join(dir, fd), "utf8");
    } catch {
      continue; // closed meanwhile
    }
    const field = (key: string) => new RegExp(`^${key}:\\s+(\\d+)$`, "m").exec(info)?.[1];
    // A link's fdinfo names its program too, so links are checked first.
    const link = field("link_id");
    const prog = field("prog_id");
    const map = field("map_id");
    if (link) out.links.push(Number(link));
    else if (prog) out.progs.push(Number(prog));
    else if (map) out.maps.push(Number(map));
  }
  return out;
}

/**
 * Runs `tsbpf run examples/<tool>.ts <args>` (`tool` with a `/`: that file, from the repository
 * root). Once stderr says the programs run ("Ctrl-C to stop"),
 * records this run's kernel objects, then calls `during` (the traced activity) with the child's pid.
 * `programs` are the example's program (function) names.
 */
export function runExample(
  tool: string,
  args: readonly string[],
  programs: readonly string[],
  during?: (pid: number) => Promise<void> | void,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const file = tool.includes("/") ? tool : `examples/${tool}.ts`;
    const child = spawn(process.execPath, [BIN, "run", file, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let ours: KernelIds = { progs: [], maps: [], links: [] };
    let activity: Promise<void> = Promise.resolve();
    let started = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (!started && stderr.includes("Ctrl-C to stop")) {
        started = true;
        activity = (async () => {
          ours = idsHeldBy(child.pid!);
          if (ours.progs.length < programs.length) {
            throw new Error(
              `tsbpf run holds ${ours.progs.length} programs, expected ${programs.length} (${programs.join(", ")})`,
            );
          }
          await during?.(child.pid!);
        })();
        activity.catch((e: unknown) => {
          child.kill("SIGKILL");
          reject(e as Error);
        });
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      activity.then(
        () => resolve({ code, stdout, stderr, ours }),
        () => undefined,
      );
    });
  });
}

/** Sends `count` one-byte UDP datagrams to 127.0.0.1:9 (frames on lo for an XDP program there). */
export async function sendUdpOnLo(count: number): Promise<void> {
  const udp = createSocket("udp4");
  try {
    for (let i = 0; i < count; i++) {
      await new Promise<void>((res, rej) =>
        udp.send("x", 9, "127.0.0.1", (e) => (e ? rej(e) : res())),
      );
    }
  } finally {
    udp.close();
  }
}

/** Asserts the run attached something and that none of it is left in the kernel. */
export function expectNothingLeft(out: Outcome): void {
  expect(out.ours.progs.length).toBeGreaterThan(0);
  const left = () => {
    const progs = new Set(bpftoolJson<ProgJson>("prog", "show").map((p) => p.id));
    const maps = new Set(bpftoolJson<{ id: number }>("map", "show").map((m) => m.id));
    const links = new Set(bpftoolJson<{ id: number }>("link", "show").map((l) => l.id));
    return {
      progs: out.ours.progs.filter((id) => progs.has(id)),
      maps: out.ours.maps.filter((id) => maps.has(id)),
      links: out.ours.links.filter((id) => links.has(id)),
    };
  };
  let now = left();
  for (let i = 0; i < 50 && now.progs.length + now.maps.length + now.links.length > 0; i++) {
    execFileSync("sleep", ["0.1"]);
    now = left();
  }
  expect(now).toEqual({ progs: [], maps: [], links: [] });
}

/** Asserts a clean run: exit 0, each program attached, no stack trace. */
export function expectRan(out: Outcome, programs: readonly string[]): void {
  if (out.code !== 0) throw new Error(`tsbpf run exited ${out.code}:\n${out.stderr}`);
  for (const p of programs) expect(out.stderr).toContain(`attached ${p} (`);
  expect(out.stderr).not.toMatch(/^\s+at /m);
}

/** The `@map[key]: value` lines of a count map, key text → value. */
export function countLines(stdout: string, map: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const re = new RegExp(`^@${map}\\[(.*)\\]: (-?\\d+)$`, "gm");
  for (const m of stdout.matchAll(re)) out.set(m[1]!, BigInt(m[2]!));
  return out;
}

/** The rows of the histogram printed for `map`: label → count. */
export function histogramRows(stdout: string, map: string): Map<string, bigint> {
  const rows = new Map<string, bigint>();
  const at = stdout.indexOf(`@${map}:\n`);
  if (at < 0) return rows;
  for (const line of stdout.slice(at).split("\n").slice(1)) {
    const m = /^(\[[^\]]*[\])])\s+(\d+) \|[@ ]*\|$/.exec(line);
    if (!m) break;
    rows.set(m[1]!, BigInt(m[2]!));
  }
  return rows;
}

/** Record lines of a ring buffer (`events: { ... }`) that contain every one of `parts`. */
export function recordLines(stdout: string, map: string, ...parts: string[]): string[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith(`${map}: {`) && parts.every((p) => l.includes(p)));
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A random tag to find this test's activity among everything else the machine does. */
export function uniqueTag(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
}
