import { defineConfig } from "vitest/config";
import { probeCoverage } from "./testing/coverage-setup.ts";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The second-kernel tests boot QEMU: `npm run test:kernels` (vitest.guest.config.ts).
    exclude: ["**/node_modules/**", "**/.git/**", "test/guest/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Builds the tests start stay on the cold path in their own process and leave no build server
    // or startup snapshot builder behind (only test/build/build-server.test.ts starts a server and
    // test/build/snapshot.test.ts a snapshot, each in its own cache directory).
    env: { TSBPF_NO_SERVER: "1", TSBPF_NO_SNAPSHOT: "1" },
    // The default output, then one summary of the skipped tests grouped by reason.
    reporters: ["default", "./test/support/skip-summary.ts"],
    // TSBPF_COVERAGE=1: line and branch coverage of the probes the tests run in the VM, written to
    // coverage/tsbpf-lcov.info (testing/coverage-setup.ts).
    ...(process.env.TSBPF_COVERAGE === "1" ? probeCoverage() : {}),
  },
});
