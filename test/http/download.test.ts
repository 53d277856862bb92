import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { describe, expect, test } from "vitest";
import { signedDownloadUrl } from "../../src/exports/download-links.ts";
import type { AppContext } from "../../src/runtime/context.ts";
import { testApp } from "../helpers/app.ts";
import { breakingStore } from "../helpers/breaking-store.ts";
import { testDatabase } from "../helpers/database.ts";
import { startTestServer } from "../helpers/http.ts";

const db = await testDatabase();
const CSV = "users-usage/ws_d/users-usage-2026-10-01-2026-10-31-0123abcd.csv";

/** A test app whose warnings are kept, served on a loopback port. */
async function serve(files?: (app: AppContext) => AppContext["files"]) {
  const warnings: string[] = [];
  const log = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
  const base = testApp(db);
  const app = { ...base, log, files: files?.(base) ?? base.files };
  const url = await startTestServer(app);
  /** The signed link of a stored path, on this server. */
  const link = (filePath: string) => {
    const signed = new URL(signedDownloadUrl(app.signingSecret, app.env.publicBaseUrl, filePath, new Date(Date.now() + 60_000)));
    return `${url}${signed.pathname}${signed.search}`;
  };
  return { app, link, warnings };
}

describe("GET /downloads/…", () => {
  test("streams the stored file with its size, type and name; HEAD answers the same headers without it", async () => {
    const { app, link } = await serve();
    await app.files.put(CSV, Readable.from(["a,b\r\n1,2\r\n"]));
    const headers = (res: Response) =>
      ["content-type", "content-length", "content-disposition", "cache-control"].map((h) => res.headers.get(h));
    const expected = [
      "text/csv; charset=utf-8",
      "10",
      'attachment; filename="users-usage-2026-10-01-2026-10-31-0123abcd.csv"',
      "private, no-store",
    ];

    const got = await fetch(link(CSV));
    expect([got.status, headers(got), await got.text()]).toEqual([200, expected, "a,b\r\n1,2\r\n"]);
    const head = await fetch(link(CSV), { method: "HEAD" });
    expect([head.status, headers(head), await head.text()]).toEqual([200, expected, ""]);

    await app.files.remove(CSV);
    for (const method of ["GET", "HEAD"]) expect((await fetch(link(CSV), { method })).status).toBe(404);
  });

  test("a file whose read fails midway cuts the response short and is logged; the server goes on", async () => {
    const { app, link, warnings } = await serve((base) => breakingStore(base.env.exportStorageDir, "a,b\r\n", 20));
    await app.files.put(CSV, Readable.from(["a,b\r\n1,2\r\n"]));

    const res = await fetch(link(CSV));
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    await sleep(50);
    expect(warnings).toEqual(["could not send an export file"]);
    expect((await fetch(link(CSV), { method: "HEAD" })).status).toBe(200);
  });

  test("a client that leaves before the end is no failure worth logging", async () => {
    const { app, link, warnings } = await serve();
    // 16 MB: far more than the socket buffers hold, so the client leaves mid-file.
    const big = Buffer.alloc(16 * 1024 * 1024, 97);
    await app.files.put(CSV, Readable.from([big]));
    const leave = new AbortController();
    const res = await fetch(link(CSV), { signal: leave.signal });
    expect(res.headers.get("content-length")).toBe(String(big.length));
    await res.body?.getReader().read();
    leave.abort();
    await sleep(200);
    expect(warnings).toEqual([]);
  });
});
