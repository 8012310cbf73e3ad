import { defineConfig } from "vitest/config";

/**
 * `npm run test:kernels`: the tests that boot a second kernel under QEMU (test/guest/). Kept out of
 * `npm test` (vitest.config.ts excludes them) because software emulation is CPU-heavy; `.ci/run`
 * runs both. One test file at a time: each boots its own guest.
 */
export default defineConfig({
  test: {
    include: ["test/guest/**/*.test.ts"],
    testTimeout: 240_000,
    hookTimeout: 600_000,
    pool: "forks",
    // Builds stay on the cold path and leave no build server behind.
    env: { TSBPF_NO_SERVER: "1", TSBPF_NO_SNAPSHOT: "1" },
    fileParallelism: false,
    reporters: ["default", "./test/support/skip-summary.ts"],
  },
});
