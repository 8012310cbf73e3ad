/**
 * One spelling per meaning across the whole command tree (issue 14 item 8): choosing programs is
 * `-p, --prog` and how long to stay attached is `-d, --duration` in every command that has them, and
 * no command has a second spelling (`--program`, `--seconds`) for the same thing.
 */
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildCli } from "../../cli/main.ts";

function allCommands(c: Command, path = "tsbpf"): [string, Command][] {
  return [[path, c], ...c.commands.flatMap((s) => allCommands(s, `${path} ${s.name()}`))];
}

/** A meaning, the one spelling it has, and spellings it must never have. */
const MEANINGS = [
  { flags: "-p, --prog <name>", long: "--prog", others: ["--program", "--programs"] },
  { flags: "-d, --duration <sec>", long: "--duration", others: ["--seconds", "--secs"] },
];

const commands = allCommands(await buildCli());

describe("CLI flags", () => {
  it("the commands that select programs or wait all spell it the same way", () => {
    const users = new Map<string, string[]>();
    for (const [path, cmd] of commands) {
      for (const o of cmd.options) {
        for (const m of MEANINGS) {
          expect(m.others, `${path}: ${o.flags}`).not.toContain(o.long);
          expect(m.others, `${path}: ${o.flags}`).not.toContain(o.short);
          if (o.long === m.long) {
            expect(o.flags, path).toBe(m.flags);
            users.set(m.long, [...(users.get(m.long) ?? []), path]);
          }
        }
      }
    }
    expect(users.get("--prog")).toEqual(
      expect.arrayContaining(["tsbpf prog load", "tsbpf run", "tsbpf vm run"]),
    );
    expect(users.get("--duration")).toEqual(
      expect.arrayContaining(["tsbpf prog load", "tsbpf run"]),
    );
  });

  it("no command has two options with the same short flag", () => {
    for (const [path, cmd] of commands) {
      const shorts = cmd.options.map((o) => o.short).filter((s) => s !== undefined);
      expect(new Set(shorts).size, path).toBe(shorts.length);
    }
  });
});
