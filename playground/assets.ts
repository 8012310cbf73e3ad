/**
 * What the page carries besides code: the stdlib declaration texts (the front end's host reads them
 * instead of stdlib/ on disk), the example sources, their sample inputs (examples/samples.json) and
 * the sample packets. The build (scripts/build-playground.ts) produces this record from the files;
 * `readAssets` is that producer, so a Node test can build the same record the page gets.
 *
 * Consumes the repository's stdlib/ and examples/ folders; produces plain data (packets as hex).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The sample input of one example (see examples/samples.json). */
export interface ExampleSample {
  /** A file of examples/packets/. */
  readonly packet?: string;
  readonly ctxHex?: string;
  readonly ctxZeros?: number;
  /** Map entries written before the run (`map:key=value`, as `tsbpf run --set`). */
  readonly set?: readonly string[];
}

/** Everything the page carries. */
export interface PlaygroundAssets {
  /** stdlib/*.d.ts by base name. */
  readonly stdlib: Readonly<Record<string, string>>;
  /** examples/<name>.ts sources by name. */
  readonly examples: Readonly<Record<string, string>>;
  readonly samples: Readonly<Record<string, ExampleSample>>;
  /** examples/packets/* as hex, by file name. */
  readonly packets: Readonly<Record<string, string>>;
}

/** Reads the assets from a checkout rooted at `root`. */
export function readAssets(root: string): PlaygroundAssets {
  const dir = (d: string, ext: string): string[] =>
    readdirSync(join(root, d))
      .filter((n) => n.endsWith(ext))
      .sort();
  const text = (...p: string[]): string => readFileSync(join(root, ...p), "utf8");
  const samples = JSON.parse(text("examples", "samples.json")) as Record<string, ExampleSample>;
  delete (samples as Record<string, unknown>)["$comment"];
  return {
    stdlib: Object.fromEntries(dir("stdlib", ".d.ts").map((n) => [n, text("stdlib", n)])),
    examples: Object.fromEntries(
      dir("examples", ".ts").map((n) => [n.slice(0, -3), text("examples", n)]),
    ),
    samples,
    packets: Object.fromEntries(
      dir("examples/packets", ".bin").map((n) => [
        n,
        readFileSync(join(root, "examples", "packets", n)).toString("hex"),
      ]),
    ),
  };
}
