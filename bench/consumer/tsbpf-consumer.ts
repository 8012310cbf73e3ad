/**
 * The tsbpf side of the consumer benchmark (bench/consumer.ts), with the protocol of
 * libbpf-consumer.c: opens OBJECT with `LiveSession` (runtime/user), reads the event map EVENTS
 * through `batches()`, decodes every record and counts those whose `filename` is PATH. Prints
 * "ready" once attached; on stdin EOF prints "<matching> <all> <first_ns> <last_ns>"
 * (CLOCK_MONOTONIC, as process.hrtime) and exits.
 *
 * usage: tsx bench/consumer/tsbpf-consumer.ts OBJECT EVENTS PATH
 */
import { readFileSync } from "node:fs";
import { LiveSession } from "../../runtime/user/index.ts";

const [objectPath, events, path] = process.argv.slice(2);
if (!objectPath || !events || !path) {
  process.stderr.write("usage: tsbpf-consumer OBJECT EVENTS PATH\n");
  process.exit(2);
}
const session = LiveSession.open(readFileSync(objectPath));
const stop = new AbortController();
process.stdin.on("data", () => undefined);
process.stdin.on("end", () => stop.abort());
let matching = 0;
let all = 0;
let first = 0n;
let last = 0n;
process.stdout.write("ready\n");
for await (const batch of session.batches(stop.signal)) {
  for (const e of batch) {
    if (e.kind !== "record" || e.map !== events) continue;
    all++;
    if ((e.value as { filename?: unknown }).filename === path) {
      last = process.hrtime.bigint();
      if (matching++ === 0) first = last;
    }
  }
}
for (const e of session.poll()) {
  if (e.kind === "record" && (e.value as { filename?: unknown }).filename === path) matching++;
}
await session.close();
process.stdout.write(`${matching} ${all} ${first} ${last}\n`);
