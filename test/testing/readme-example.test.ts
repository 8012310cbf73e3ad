/**
 * The README's "Testing probes" example is real: its probe and its test file are taken from the
 * README as written, put in a scratch folder of this checkout (with `tsbpf/test` pointed at
 * testing/index.ts, as the package export does when installed), run by vitest in a child
 * process on the VM (TSBPF_TARGET=vm), and type-checked with tsc against the probe's own types.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";

const readme = readFileSync("README.md", "utf8");
const section = readme.slice(
  readme.indexOf("## Testing probes"),
  readme.indexOf("## Running on a fleet"),
);
/** The ```ts block of the section whose first line is `// <name>`. */
const block = (name: string): string => {
  const m = new RegExp("```ts\\n// " + name.replace(/[./]/g, "\\$&") + "\\n([\\s\\S]*?)```").exec(
    section,
  );
  if (!m) throw new Error(`README "Testing probes" has no block starting // ${name}`);
  return m[1]!;
};

it("the README example probe and its test pass, and type-check", () => {
  const dir = mkdtempSync(join(process.cwd(), ".tsbpf-readme-"));
  try {
    mkdirSync(join(dir, "probes"));
    writeFileSync(join(dir, "probes/firewall.ts"), block("probes/firewall.ts"));
    const testing = resolve("testing/index.ts");
    writeFileSync(
      join(dir, "probes/firewall.test.ts"),
      block("probes/firewall.test.ts").replace('"tsbpf/test"', JSON.stringify(testing)),
    );
    writeFileSync(join(dir, "vitest.config.mjs"), 'export default { test: { pool: "forks" } };\n');
    const out = execFileSync(
      process.execPath,
      [resolve("node_modules/vitest/vitest.mjs"), "run", "--root", dir, "--reporter", "verbose"],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, TSBPF_TARGET: "vm", NO_COLOR: "1", FORCE_COLOR: "0" },
      },
    );
    expect(out).toMatch(/✓ .*firewall on the vm > drops blocked sources and counts them/);
    // TSBPF_TARGET=vm: the same example's kernel half is what test/testing/probe.test.ts and the
    // example tests check on the kernel; here the README text itself is under test.
    expect(out).not.toMatch(/firewall on the kernel/);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        extends: resolve("tsconfig.json"),
        compilerOptions: { noEmit: true },
        include: ["probes"],
      }),
    );
    execFileSync(process.execPath, [resolve("node_modules/typescript/bin/tsc"), "-p", dir], {
      encoding: "utf8",
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
