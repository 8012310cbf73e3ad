/**
 * Fetches and caches the second kernel the tests boot (Debian bookworm's linux-image-amd64, 6.1;
 * scripts/guest-kernel/fetch.ts) and prints where its parts are, as JSON: vmlinuz, modules, and
 * `btf`, the kernel's vmlinux BTF extracted from the vmlinuz (what the guest serves at
 * /sys/kernel/btf/vmlinux), e.g. for `tsbpf gen types --btf` or CO-RE resolution against 6.1.
 *
 * Usage: `npm run guest:kernel [-- --btf-out FILE]` (`--btf-out` also copies the BTF to FILE).
 * Needs apt (Debian/Ubuntu) the first time; nothing is installed on the host.
 */
import { copyFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ensureGuestKernel } from "./guest-kernel/fetch.ts";

const { values } = parseArgs({ options: { "btf-out": { type: "string" } } });
try {
  const kernel = ensureGuestKernel((line) => process.stderr.write(`guest-kernel: ${line}\n`));
  if (values["btf-out"]) copyFileSync(kernel.btf, values["btf-out"]);
  process.stdout.write(JSON.stringify(kernel, null, 2) + "\n");
} catch (e) {
  process.stderr.write(`guest-kernel: ${(e as Error).message}\n`);
  process.exit(1);
}
