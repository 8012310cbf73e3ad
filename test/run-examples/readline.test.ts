/**
 * readline under `tsbpf run` on the live kernel: a uretprobe on /bin/bash's readline(). An
 * interactive bash needs a terminal, so the test runs it in a pseudo-terminal with script(1)
 * (`script -qc "bash --norc -i" /dev/null`) and feeds it a uniquely tagged command line; the line
 * must come back as a ring buffer event from that bash.
 */
import { execFileSync, spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { capability, hasCommand } from "../support/env.ts";
import {
  expectNothingLeft,
  expectRan,
  liveReady,
  recordLines,
  runExample,
  uniqueTag,
} from "./support.ts";

const live =
  liveReady("readline example under tsbpf run") &&
  capability("script(1) and /bin/bash", hasCommand("script", ["--version"]), "readline example");

describe.runIf(live)("readline example, live", () => {
  it("reports a line typed into an interactive bash", async () => {
    const tag = uniqueTag("tsbpf_readline");
    let bashOutput = "";
    const out = await runExample("readline", ["--duration", "4"], ["onReadline"], () => {
      const child = spawn("script", ["-qc", "bash --norc -i", "/dev/null"], {
        stdio: ["pipe", "pipe", "ignore"],
        env: { ...process.env, PS1: "$ " },
      });
      child.stdout.on("data", (d: Buffer) => (bashOutput += d.toString()));
      child.stdin.end(`echo ${tag}\nexit\n`);
      return new Promise((r) => child.on("close", () => r()));
    });
    expectRan(out, ["onReadline"]);
    expect(out.stderr).toContain(`attached onReadline (uretprobe//bin/bash:readline)`);
    // bash really ran the line (so readline returned it) ...
    expect(bashOutput).toContain(tag);
    // ... and the uretprobe saw it, in bash.
    const ours = recordLines(out.stdout, "events", `.comm = bash, .line = echo ${tag} }`);
    expect(ours).toHaveLength(1);
    expect(
      recordLines(out.stdout, "events", ".comm = bash, .line = exit }").length,
    ).toBeGreaterThan(0);
    expectNothingLeft(out);
  }, 60_000);

  it("traces the bash that `script` runs (same file as /bin/bash)", () => {
    const bash = execFileSync("sh", ["-c", "command -v bash"], { encoding: "utf8" }).trim();
    expect(realpathSync(bash)).toBe(realpathSync("/bin/bash"));
  });
});
