/**
 * Running a command as an unprivileged user from a root test run, wherever the checkout is.
 *
 * `runuser -u nobody` fails before the command starts when the checkout sits under a directory other
 * users cannot enter (a clone in a 0700 home: "Cannot find module .../bin/tsbpf.js"). Instead the
 * command runs as `nobody` (uid/gid 65534, no groups) with exactly one capability, CAP_DAC_READ_SEARCH,
 * raised as an ambient capability: it may read and search any file, so the checkout is reachable, and
 * it has no CAP_BPF, CAP_PERFMON or CAP_SYS_ADMIN, so the bpf() syscall refuses it as it refuses any
 * ordinary user. setpriv is part of util-linux (essential on Debian).
 */
import { spawnSync } from "node:child_process";
import { hasCommand } from "./env.ts";

/** uid and gid of `nobody`. */
export const NOBODY = 65534;

/** True when `unprivilegedCommand` can be used (setpriv exists and we are root). */
export function canDropPrivileges(): boolean {
  return process.getuid?.() === 0 && hasCommand("setpriv", ["--version"]);
}

/** `[file, args]` that run `cmd args` as nobody, able to read the checkout but not to use bpf(). */
export function unprivilegedCommand(cmd: string, args: readonly string[]): [string, string[]] {
  return [
    "setpriv",
    [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      "--clear-groups",
      "--inh-caps=+dac_read_search",
      "--ambient-caps=+dac_read_search",
      "--",
      cmd,
      ...args,
    ],
  ];
}

/** Runs `cmd args` unprivileged; returns exit code and both outputs (never throws on failure). */
export function runUnprivileged(
  cmd: string,
  args: readonly string[],
): { code: number; stdout: string; stderr: string } {
  const [file, argv] = unprivilegedCommand(cmd, args);
  const r = spawnSync(file, argv, { encoding: "utf8", timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
