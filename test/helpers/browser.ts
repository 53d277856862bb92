import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll } from "vitest";

/** Debian's Chromium (CI installs it too); `npx playwright install` cannot download browsers here. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/**
 * Starts Chromium for the calling test file; closed after it. A browser that
 * does not start throws here and fails the file: browser tests are never skipped.
 */
export async function startBrowser(): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  afterAll(() => browser.close());
  return browser;
}

/** Console errors, uncaught exceptions (CSP violations among them) and window.alert/confirm/prompt calls of a page. */
export function watchPage(page: Page): { errors: string[]; dialogs: string[] } {
  const seen: { errors: string[]; dialogs: string[] } = { errors: [], dialogs: [] };
  page.on("console", (m) => {
    if (m.type() === "error") seen.errors.push(m.text());
  });
  page.on("pageerror", (e) => seen.errors.push(e.message));
  page.on("dialog", (d) => {
    seen.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  return seen;
}
