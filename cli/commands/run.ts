/**
 * `tsbpf run <probe.ts|obj.o>`: what bpftrace does, for TypeScript. Compiles a .ts probe (or takes
 * a BPF object), loads it, attaches every program (status lines on stderr), streams ring buffer /
 * perf records and printk lines on stdout as they come, and on Ctrl-C or `--duration` detaches,
 * prints the maps (runtime/user/print) and releases everything.
 *
 * `--vm` runs the programs in the bundled VM instead, on inputs the user gives (`--packet`,
 * `--ctx`, `--ctx-hex`, `--packet-hex`, `--repeat`), and prints the same map output.
 *
 * `--set MAP:KEY=VALUE` (repeatable) fills map entries before any program runs, live or in the VM
 * (runtime/user/map-assign.ts says how text becomes a typed key or value; a map of maps' value names
 * the object's map to store, `--set tenants:1=tenantB`; a prog array's the program,
 * `--set jumps:0=counted`, loaded but not attached, as is a devmap entry's,
 * `--set tx:0=ifindex=3,prog=onTx`; any key or value may be raw bytes, `hex:0a000001`).
 * `--iface` names the interface for XDP and tc programs, and for socket filters, which get a raw
 * packet socket on it;
 * the frames a filter keeps stream as `packet` lines. `--cgroup` names the cgroup v2 directory cgroup
 * programs (cgroup_skb, cgroup/connect4, sockops, ...) attach to (default: the hierarchy's root, so
 * every process), `--netns` the network namespace of sk_lookup and flow dissector programs (default
 * this one's), `--sockmap` the object's sockmap for sk_skb / sk_msg programs and `--netfilter
 * FAMILY:HOOK[:PRIORITY]` where netfilter programs run (default ipv4:local_in:0).
 *
 * `--prometheus HOST:PORT` serves `/metrics` while a live probe runs (runtime/user/metrics): the
 * maps read at each scrape, records and lost events per buffer, process metrics. The port is
 * bound before anything is loaded, so a port in use fails before any program is attached.
 *
 * Invariants: every exit path (success, user error, verifier rejection, exception, first or
 * second Ctrl-C, SIGTERM) goes through `LiveSession.close()`, so no program, link or map is left
 * in the kernel; user mistakes are one clear line and exit 1, never a stack trace.
 */
import { RunError, type RunFlags } from "./run-output.ts";
import { runVm } from "./run-vm.ts";
import { runLive } from "./run-live.ts";
import type { Command } from "commander";
import { objectBytes } from "../object-input.ts";
import { namingFile } from "../file-errors.ts";
import { collect, durationOption, progOption } from "../options.ts";

/** Registers `tsbpf run`. */
export function registerRun(program: Command): void {
  const run = program
    .command("run")
    .description("run a probe: load, attach, stream events and printk lines, print maps on Ctrl-C")
    .argument("<input>", "TypeScript probe (.ts) or BPF object file (.o)");
  durationOption(run, "stop after this many seconds")
    .option("--json", "JSON output: one line per event, one document per map")
    .option("--vm", "run in the bundled VM on --packet/--ctx inputs instead of the kernel");
  progOption(run, "only this program")
    .option("--iface <name>", "network interface for XDP, tc and socket filter programs")
    .option("--tc-direction <dir>", 'ingress (default) or egress, for tc programs in SEC("tc")')
    .option(
      "--cgroup <path>",
      "cgroup v2 directory for cgroup programs (cgroup_skb, cgroup/*, sockops); default the cgroup v2 root",
    )
    .option("--netns <path>", "network namespace file for sk_lookup and flow_dissector programs")
    .option("--sockmap <map>", "the object's sockmap / sockhash for sk_skb and sk_msg programs")
    .option(
      "--netfilter <family:hook[:priority]>",
      "where netfilter programs run (default ipv4:local_in:0)",
    )
    .option(
      "--perf-event <event>",
      "perf_event programs: sample cycles, instructions, cache-misses, branch-misses (hardware, every 1M) or cpu-clock / task-clock (99 Hz)",
    )
    .option(
      "--set <map:key=value>",
      "write a map entry before the programs run (repeatable; IPv4 a.b.c.d keys in network order; structs as JSON or field=value,...; raw bytes as hex:<digits>; a map of maps takes the name of the map to store, a prog array or a devmap/cpumap entry's prog= the name of a program)",
      collect,
    )
    .option("--packet <file>", "--vm: packet bytes for packet programs")
    .option("--packet-hex <hex>", "--vm: packet bytes as hex")
    .option("--ctx <file>", "--vm: raw context bytes (e.g. a tracepoint record)")
    .option("--ctx-hex <hex>", "--vm: raw context bytes as hex")
    .option("--repeat <n>", "--vm: run each program this many times", "1")
    .option("--cpus <n>", "--vm: number of simulated CPUs")
    .option(
      "--prometheus <host:port>",
      "serve the maps as Prometheus metrics on http://HOST:PORT/metrics while the probe runs",
    )
    .action(async (input: string, o: RunFlags) => {
      try {
        const bytes = await objectBytes(input, (m) => new RunError(m));
        process.exitCode = await namingFile(input, () =>
          o.vm ? runVm(bytes, o, input) : runLive(bytes, o, input),
        );
      } catch (e) {
        if (!(e instanceof RunError)) throw e;
        process.stderr.write(`tsbpf run: ${e.message}\n`);
        process.exitCode = 1;
      }
    });
}
