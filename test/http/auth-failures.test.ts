import { describe, expect, test } from "vitest";
import { createAccessKey, revokeAccessKey } from "../../src/auth/access-keys.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { startTestServer } from "../helpers/http.ts";

const db = await testDatabase();
await createSmallWorkspace(db, { id: "ws_f" });
const key = async (role: "admin" | "export" | "ingest") => (await createAccessKey(db, { workspaceId: "ws_f", role })).apiKey;

/** Each server has its own limiters, so each test starts from a clean budget for 127.0.0.1. */
const server = (env: Record<string, string> = {}) => startTestServer(testApp(db, { now: FIXTURE_NOW, env }));

const json = { "content-type": "application/json" };
const bearer = (apiKey: string) => ({ authorization: `Bearer ${apiKey}` });
const requests = {
  export: (url: string, apiKey: string) =>
    fetch(`${url}/export/users`, { method: "POST", headers: { ...json, ...bearer(apiKey) }, body: JSON.stringify(FIXTURE_PERIOD) }),
  ingest: (url: string, apiKey: string) =>
    fetch(`${url}/ingest`, { method: "POST", headers: { "content-type": "application/x-ndjson", ...bearer(apiKey) }, body: "" }),
  graphql: (url: string, apiKey: string) =>
    fetch(`${url}/graphql`, { method: "POST", headers: { ...json, ...bearer(apiKey) }, body: JSON.stringify({ query: "{ __typename }" }) }),
  signIn: (url: string, apiKey: string) => fetch(`${url}/session`, { method: "POST", headers: json, body: JSON.stringify({ apiKey }) }),
};

const THROTTLED = /^Too many failed sign-ins or invalid API keys from this address \(20 in 10 minutes\); retry after \d+ seconds$/;

async function expectThrottled(res: Response) {
  const text = await res.text();
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(600);
  expect(JSON.parse(text)).toEqual({ error: "Too Many Requests", message: expect.stringMatching(THROTTLED) });
  expect(JSON.parse(text).message).toContain(`retry after ${retryAfter} seconds`);
  expect(text.length).toBeLessThan(200);
}

describe("failed authentications per client address", () => {
  for (const route of ["export", "ingest", "graphql", "signIn"] as const) {
    test(`${route}: 20 unknown keys from one address, then every attempt is a 429 with Retry-After, the right key too`, async () => {
      const url = await server();
      const good = await key(route === "signIn" ? "admin" : route === "ingest" ? "ingest" : "export");
      for (let i = 0; i < 20; i++) {
        const res = await requests[route](url, `ue_guess${i}`);
        expect(res.status).toBe(401);
        await res.arrayBuffer();
      }
      await expectThrottled(await requests[route](url, "ue_guess20"));
      // Otherwise a right guess would still get through.
      await expectThrottled(await requests[route](url, good));
    });
  }

  test("refused keys on every route share one budget", async () => {
    const url = await server();
    const order = ["export", "ingest", "graphql", "signIn"] as const;
    for (let i = 0; i < 20; i++) expect((await requests[order[i % 4]!](url, `ue_guess${i}`)).status).toBe(401);
    await expectThrottled(await requests.graphql(url, "ue_guess20"));
  });

  test("a revoked key counts as a failure; successes and a missing key do not count", async () => {
    const url = await server();
    const good = await key("export");
    const revoked = await createAccessKey(db, { workspaceId: "ws_f", role: "export" });
    await revokeAccessKey(db, "ws_f", revoked.id);

    for (let i = 0; i < 30; i++) expect((await requests.graphql(url, good)).status).toBe(200);
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${url}/graphql`, { method: "POST", headers: json, body: JSON.stringify({ query: "{ __typename }" }) });
      expect(res.status).toBe(401);
      await res.arrayBuffer();
    }
    for (let i = 0; i < 19; i++) expect((await requests.graphql(url, revoked.apiKey)).status).toBe(401);
    expect((await requests.graphql(url, good)).status).toBe(200);
    expect((await requests.graphql(url, revoked.apiKey)).status).toBe(401);
    await expectThrottled(await requests.graphql(url, good));
  });

  test("a valid key that may not sign in (not admin) is not a guess and does not count", async () => {
    const url = await server();
    const exportKey = await key("export");
    for (let i = 0; i < 25; i++) expect((await requests.signIn(url, exportKey)).status).toBe(403);
    expect((await requests.signIn(url, await key("admin"))).status).toBe(200);
  });

  test("the form sign-in is throttled too (a 429, not a redirect)", async () => {
    const url = await server();
    const form = (apiKey: string) =>
      fetch(`${url}/session`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ apiKey }).toString(),
      });
    for (let i = 0; i < 20; i++) {
      const res = await form(`ue_guess${i}`);
      expect([res.status, res.headers.get("location")]).toEqual([303, "/?sign_in=invalid"]);
    }
    await expectThrottled(await form(await key("admin")));
  });

  test("RATE_LIMIT_AUTH_FAILURES_PER_ADDRESS=0 turns the limit off; the window is configurable", async () => {
    const off = await server({ RATE_LIMIT_AUTH_FAILURES_PER_ADDRESS: "0" });
    for (let i = 0; i < 40; i++) expect((await requests.graphql(off, `ue_guess${i}`)).status).toBe(401);

    const short = await server({ RATE_LIMIT_AUTH_FAILURES_PER_ADDRESS: "2", RATE_LIMIT_AUTH_FAILURE_WINDOW_SECONDS: "30" });
    for (let i = 0; i < 2; i++) expect((await requests.graphql(short, `ue_guess${i}`)).status).toBe(401);
    const limited = await requests.graphql(short, "ue_guess2");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(30);
    expect((await limited.json()).message).toMatch(
      /^Too many failed sign-ins or invalid API keys from this address \(2 in 30 seconds\); retry after \d+ seconds$/,
    );
  });
});
