/**
 * Options that several commands share, defined once so the same meaning has the same spelling in
 * every command (`-p, --prog` selects programs, `-d, --duration` says how long to stay attached).
 * test/cli/flags.test.ts walks the whole command tree and checks no command spells them otherwise.
 */
import type { Command } from "commander";

/** Commander argument parser for a repeatable option: collects every value in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds `-p, --prog <name>`: repeatable (a list) unless `single`. */
export function progOption(cmd: Command, description: string, single = false): Command {
  return single
    ? cmd.option("-p, --prog <name>", description)
    : cmd.option("-p, --prog <name>", `${description} (repeatable)`, collect);
}

/** Adds `-d, --duration <sec>`, with an optional default. */
export function durationOption(cmd: Command, description: string, byDefault?: string): Command {
  return byDefault === undefined
    ? cmd.option("-d, --duration <sec>", description)
    : cmd.option("-d, --duration <sec>", description, byDefault);
}
