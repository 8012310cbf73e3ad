/**
 * `npm run bench:consumer`: how fast tsbpf's live consumer takes records out of a ring buffer,
 * side by side with a libbpf consumer in C (bench/consumer/libbpf-consumer.c, ring_buffer__poll)
 * on the same object, examples/opensnoop.ts built by tsbpf. Needs root, clang and libbpf-dev.
 *
 * Each round starts one consumer, waits until it is attached, and runs bench/consumer/burst.c:
 * COUNT opens of one path as fast as the machine allows, so COUNT records with that file name are
 * sent (the 1 MiB ring holds ~3500 of them). Consumers alternate round by round so both see the same
 * machine. Reported per consumer (medians over the rounds): records of the burst received out of
 * COUNT, and events/s = received / (time of the last received - time of the first received).
 * Rows: libbpf (C), the tsbpf API (`LiveSession.batches`, every record decoded), and `tsbpf run
 * --json` / text (received only: the CLI prints no timestamps), with what their summary reported
 * lost (opensnoop counts failed reserves in eventsLost, which `tsbpf run` reports) and the burst
 * records neither received nor reported: these must be 0.
 *
 * usage: npm run bench:consumer -- [COUNT=20000] [ROUNDS=5]
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { compileSource } from "../compiler/driver.ts";

const ROOT = join(import.meta.dirname, "..");
const count = Number(process.argv[2] ?? 20000);
const rounds = Number(process.argv[3] ?? 5);
/** Offset of OpenEvent.filename in examples/opensnoop.ts (pid u32, uid u32, flags i64, comm[16]). */
const FILENAME_OFFSET = 32;

function clang(): string {
  for (const c of ["clang-19", "clang"]) {
    try {
      execFileSync(c, ["--version"], { stdio: "ignore" });
      return c;
    } catch {
      // next
    }
  }
  throw new Error("bench:consumer needs clang (scripts/setup.sh installs clang-19)");
}

function firstLine(child: ChildProcess): Promise<string> {
  const rl = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    rl.once("line", (l) => resolve(l));
    child.once("exit", (code) => reject(new Error(`consumer exited with ${code} before a line`)));
  });
}

interface Result {
  received: number;
  perSecond?: number;
  /** `tsbpf run` rows: the records its summary reported lost (all processes' opens). */
  reportedLost?: number;
}

async function protocolRun(cmd: string, args: string[], burst: () => void): Promise<Result> {
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const next = () => new Promise<string>((r) => lines.once("line", r));
  const ready = await Promise.race([
    next(),
    new Promise<string>((_, rej) =>
      child.once("exit", (c) => rej(new Error(`${cmd} exited ${c}`))),
    ),
  ]);
  if (ready !== "ready") throw new Error(`${cmd}: expected ready, got ${ready}`);
  await sleep(200);
  burst();
  await sleep(500);
  const result = next();
  child.stdin!.end();
  const [matching, , first, last] = (await result).split(" ").map(BigInt) as bigint[];
  const span = Number(last! - first!) / 1e9;
  return {
    received: Number(matching),
    ...(span > 0 ? { perSecond: Number(matching) / span } : {}),
  };
}

async function cliRun(
  obj: string,
  json: boolean,
  path: string,
  burst: () => void,
): Promise<Result> {
  const args = ["bin/tsbpf.js", "run", obj, ...(json ? ["--json"] : [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      err += d;
      if (d.includes("running")) resolve();
    });
    child.once("exit", (c) => reject(new Error(`tsbpf run exited ${c}`)));
  });
  await sleep(200);
  burst();
  await sleep(500);
  child.kill("SIGINT");
  await new Promise((r) => child.once("exit", r));
  const needle = json ? `"filename":${JSON.stringify(path)}` : `.filename = ${path} }`;
  return {
    received: out.split("\n").filter((l) => l.includes(needle)).length,
    reportedLost: reportedLost(json ? out : err, json),
  };
}

/**
 * What a `tsbpf run` said it lost on `events`: the JSON summary's `lost`, or the text summary's
 * "events: N events lost in all" line on stderr (absent when nothing was lost).
 */
function reportedLost(text: string, json: boolean): number {
  if (json) {
    for (const line of text.split("\n")) {
      if (!line.startsWith('{"type":"summary"')) continue;
      const doc = JSON.parse(line) as { map: string; lost: number };
      if (doc.map === "events") return doc.lost;
    }
    return 0;
  }
  const m = /tsbpf run: events: (\d+) events? lost in all/.exec(text);
  return m ? Number(m[1]) : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};

async function main(): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new Error("bench:consumer loads BPF programs: run it as root");
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-bench-consumer-"));
  try {
    const src = readFileSync(join(ROOT, "examples/opensnoop.ts"), "utf8");
    const built = await compileSource(src, "examples/opensnoop.ts", { emit: "obj" });
    if (!built.object) throw new Error("examples/opensnoop.ts did not compile");
    const obj = join(dir, "opensnoop.o");
    writeFileSync(obj, built.object);
    const cc = clang();
    const burstBin = join(dir, "burst");
    const libbpfBin = join(dir, "libbpf-consumer");
    execFileSync(cc, ["-O2", "-o", burstBin, join(ROOT, "bench/consumer/burst.c")]);
    execFileSync(cc, [
      "-O2",
      "-o",
      libbpfBin,
      join(ROOT, "bench/consumer/libbpf-consumer.c"),
      "-lbpf",
    ]);
    const rows: Record<string, Result[]> = {
      libbpf: [],
      "tsbpf API": [],
      "tsbpf run --json": [],
      "tsbpf run (text)": [],
    };
    for (let r = 0; r < rounds; r++) {
      const path = join(dir, `target-${r}`);
      closeSync(openSync(path, "w"));
      const burst = () => execFileSync(burstBin, [path, String(count)]);
      rows["libbpf"]!.push(
        await protocolRun(libbpfBin, [obj, "events", path, String(FILENAME_OFFSET)], burst),
      );
      rows["tsbpf API"]!.push(
        await protocolRun(
          process.execPath,
          ["--import", "tsx", join(ROOT, "bench/consumer/tsbpf-consumer.ts"), obj, "events", path],
          burst,
        ),
      );
      rows["tsbpf run --json"]!.push(await cliRun(obj, true, path, burst));
      rows["tsbpf run (text)"]!.push(await cliRun(obj, false, path, burst));
      process.stderr.write(
        `round ${r + 1}/${rounds}: ` +
          Object.entries(rows)
            .map(([k, v]) => `${k} ${v.at(-1)!.received}/${count}`)
            .join(", ") +
          "\n",
      );
    }
    const base = median(rows["libbpf"]!.map((x) => x.perSecond ?? 0));
    console.log(
      `consumer benchmark: ${rounds} rounds of ${count} opens (examples/opensnoop.ts, 1 MiB ring)`,
    );
    for (const [name, rs] of Object.entries(rows)) {
      const received = median(rs.map((x) => x.received));
      const rates = rs.map((x) => x.perSecond).filter((x): x is number => x !== undefined);
      const rate = rates.length ? median(rates) : undefined;
      const lost = rs.map((x) => x.reportedLost).filter((x): x is number => x !== undefined);
      // Silent: burst records neither received nor reported lost (the reported count covers
      // every process's opens, so this is a lower bound of 0 when all was accounted for).
      const silent = rs.map((x) =>
        x.reportedLost === undefined ? 0 : Math.max(0, count - x.received - x.reportedLost),
      );
      console.log(
        `${name.padEnd(18)} received ${String(received).padStart(7)}/${count} (median)` +
          (rate !== undefined
            ? `  ${Math.round(rate).toLocaleString("en-US").padStart(11)} events/s  ratio ${(rate / base).toFixed(2)}x libbpf`
            : "") +
          (lost.length
            ? `  reported lost ${median(lost)} (median) ${Math.max(...lost)} (max), unaccounted ${Math.max(...silent)} (max)`
            : ""),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bench:consumer: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
