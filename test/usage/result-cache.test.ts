import { beforeAll, expect, test } from "vitest";
import type { AppContext } from "../../src/runtime/context.ts";
import { usageInput } from "../../src/usage/read-usage.ts";
import { ingestRecords } from "../../src/ingest/ingest.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { cachedRows } from "../../src/usage/result-cache.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD, u3Message } from "../fixtures/small-workspace.ts";

const WS = "ws_cache";
const period = resolvePeriod(FIXTURE_PERIOD.from, FIXTURE_PERIOD.to, FIXTURE_NOW);
let app: AppContext;

beforeAll(async () => {
  app = testApp(await testDatabase(), { now: FIXTURE_NOW });
  await createSmallWorkspace(app.db, { id: WS });
});

const input = () => usageInput(app, WS, "users", period, null);
const message = u3Message;

test("a repeated request is answered from the cache until an ingest moves the data version", async () => {
  const first = await cachedRows(app.db, "users", await input());
  expect(await cachedRows(app.db, "users", await input())).toBe(first);
  const u3Before = first.find((r) => r.userId === "u3")!.messagesTotal;

  await ingestRecords(app.db, WS, [message("cache-1")]);
  const after = await cachedRows(app.db, "users", await input());
  expect(after).not.toBe(first);
  expect(after.find((r) => r.userId === "u3")!.messagesTotal).toBe(u3Before + 1);
});

test("a directory change moves the data version too", async () => {
  const before = await cachedRows(app.db, "users", await input());
  await ingestRecords(app.db, WS, [{ type: "user", id: "u3", name: "Renamed", effectiveAt: "2026-01-01T00:00:00Z" }]);
  const after = await cachedRows(app.db, "users", await input());
  expect(after).not.toBe(before);
  expect(after.find((r) => r.userId === "u3")!.name).toBe("Renamed");
});

test("concurrent identical requests share one query", async () => {
  await ingestRecords(app.db, WS, [message("cache-2")]); // nothing cached for the new version
  const request = await input();
  const [a, b] = await Promise.all([cachedRows(app.db, "users", request), cachedRows(app.db, "users", request)]);
  expect(a).toBe(b);
});

test("an ordering is computed once and keeps the export order among ties", async () => {
  const request = await input();
  const rows = await cachedRows(app.db, "users", request);
  const ascending = await cachedRows(app.db, "users", request, { field: "messagesTotal", direction: "ASC" });
  expect(await cachedRows(app.db, "users", request, { field: "messagesTotal", direction: "ASC" })).toBe(ascending);
  const expected = [...rows].map((r, i) => ({ r, i })).sort((x, y) => x.r.messagesTotal - y.r.messagesTotal || x.i - y.i);
  expect(ascending.map((r) => r.userId)).toEqual(expected.map((e) => e.r.userId));
  expect(await cachedRows(app.db, "users", request)).toBe(rows); // the export order is untouched
});
