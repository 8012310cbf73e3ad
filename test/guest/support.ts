/**
 * Shared state of the guest-kernel tests: one 6.1 guest per test file (test/support/qemu.ts),
 * every example built once on the host into the guest's box, and the guest-side shell around
 * `tsbpf run` that starts a tool, waits until it is attached, does the traced thing and stops it.
 *
 * Consumes example names and shell snippets; produces object paths (same path on host and guest)
 * and what the tool printed, for the tests to judge on the host.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readBpfObject } from "../../core/object/index.ts";
import { buildExample } from "../examples/support.ts";
import type { Guest } from "../support/qemu.ts";

/** The repository root (the same path in the guest: it sees the host's files). */
export const ROOT = join(import.meta.dirname, "../..");

/** Every example: `examples/<name>.ts`. */
export const EXAMPLES = readdirSync(join(ROOT, "examples"))
  .filter((n) => n.endsWith(".ts"))
  .map((n) => n.slice(0, -3))
  .sort();

/** Builds examples (default: every one) on the host into `<box>/<name>.o`; returns name → program names. */
export async function buildExamplesInto(
  box: string,
  names: readonly string[] = EXAMPLES,
): Promise<Map<string, string[]>> {
  const programs = new Map<string, string[]>();
  for (const name of names) {
    const bytes = await buildExample(name);
    writeFileSync(join(box, `${name}.o`), bytes);
    programs.set(
      name,
      readBpfObject(bytes).programs.map((p) => p.name),
    );
  }
  return programs;
}

/** What one `tsbpf run` in the guest printed, plus the facts its trigger wrote. */
export interface GuestRun {
  /** Exit status of `tsbpf run` (after SIGINT, i.e. Ctrl-C). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** `<box>/<name>.<fact>` files the trigger wrote (e.g. `pid`), trimmed. */
  fact(fact: string): string;
  /** The whole job's output, for failure messages. */
  readonly log: string;
}

/**
 * Runs `tsbpf run <box>/<name>.o <args>` in the guest; once it says "Ctrl-C to stop" runs
 * `trigger` (sh; `$B` is `<box>/<name>`, the prefix for fact files), waits `settleS` seconds for the
 * last events to be read, then stops the tool with SIGINT as Ctrl-C would.
 */
export async function runInGuestTool(
  guest: Guest,
  name: string,
  trigger: string,
  options: { args?: string; settleS?: number; timeoutMs?: number } = {},
): Promise<GuestRun> {
  const b = join(guest.box, name);
  const script = `cd ${ROOT}
export B=${b}
node bin/tsbpf.js run $B.o --duration 600 ${options.args ?? ""} > $B.stdout 2> $B.stderr &
T=$!
i=0
until grep -q 'Ctrl-C to stop' $B.stderr; do
  i=$((i + 1))
  if [ $i -gt 1200 ] || ! kill -0 $T 2> /dev/null; then
    echo "tsbpf run never attached"; kill -9 $T 2> /dev/null; exit 3
  fi
  sleep 0.1
done
( ${trigger} )
echo "trigger exit $?"
sleep ${options.settleS ?? 1}
kill -INT $T
wait $T
echo "tsbpf run exit $?" > $B.code
`;
  const r = await guest.run(script, options.timeoutMs ?? 240_000);
  const read = (suffix: string) => {
    try {
      return readFileSync(`${b}.${suffix}`, "utf8");
    } catch {
      return "";
    }
  };
  const code = /tsbpf run exit (\d+)/.exec(read("code"))?.[1];
  return {
    code: code === undefined ? -1 : Number(code),
    stdout: read("stdout"),
    stderr: read("stderr"),
    fact: (f) => read(f).trim(),
    log: `job exit ${r.code}:\n${r.output}\n--- stderr:\n${read("stderr")}\n--- stdout:\n${read("stdout")}`,
  };
}
