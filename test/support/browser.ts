/**
 * Debian's chromium, driven by playwright-core, for the playground's tests and benchmark. Playwright
 * never downloads a browser here: it gets `executablePath` /usr/bin/chromium (scripts/setup.sh
 * installs the package), runs headless with a fresh profile, no GPU, no background networking, and
 * is always closed by the caller's `close()`.
 *
 * Consumes nothing; produces a browser context and its cleanup.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Where Debian installs chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** True when the chromium binary is installed. */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

/** A running headless chromium with a fresh profile. */
export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launches chromium (bounded: 60 s). */
export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), "tsbpf-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
