import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { WEB_BUILD_DIR } from "../../src/http/routes/web-page.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { startTestServer } from "../helpers/http.ts";

// test/global-setup.ts builds the page before the run.
const url = await startTestServer(testApp(await testDatabase()));
const script = readdirSync(join(WEB_BUILD_DIR, "assets")).find((f) => f.endsWith(".js"))!;

describe("the analytics page", () => {
  test("GET / serves the page shell with a strict content security policy and no key in it", async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const html = await res.text();
    expect(html).toContain(`<script type="module" src="/assets/${script}"></script>`);
    expect(html).not.toMatch(/ue_[A-Za-z0-9]{40}/);
  });

  test("built assets are served from /assets/ with long caching; anything else there is a 404", async () => {
    const js = await fetch(`${url}/assets/${script}`);
    expect([js.status, js.headers.get("content-type"), js.headers.get("cache-control")]).toEqual([
      200,
      "text/javascript; charset=utf-8",
      "public, max-age=31536000, immutable",
    ]);
    expect((await js.text()).length).toBeGreaterThan(10_000);
    for (const path of [
      "/assets/missing.js",
      "/assets/..%2Fweb%2Findex.html",
      "/assets/%2e%2e/index.html",
      "/assets/index.html",
      "/assets/",
    ]) {
      expect([path, (await fetch(`${url}${path}`)).status]).toEqual([path, 404]);
    }
  });

  test("no CORS headers are sent for the page either", async () => {
    const res = await fetch(`${url}/`, { headers: { origin: "https://evil.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});
