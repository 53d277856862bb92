import { describe, expect, test } from "vitest";
import { z } from "zod";
import { createAccessKey, revokeAccessKey } from "../../src/auth/access-keys.ts";
import { sessionIdOf } from "../../src/auth/sessions.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { startTestServer } from "../helpers/http.ts";

const db = await testDatabase();
await createSmallWorkspace(db, { id: "ws_s" });
const app = testApp(db, { now: FIXTURE_NOW });
// Sunday 15 November 2026, 12:00 UTC; tests move it to reach expiry.
let clock = FIXTURE_NOW;
app.now = () => clock;
const url = await startTestServer(app);
const adminKey = async (name = "page admin") => (await createAccessKey(db, { workspaceId: "ws_s", role: "admin", name })).apiKey;

interface Answer {
  status: number;
  /** The parsed JSON answer, or the text of another. */
  body: unknown;
  /** The `message` of a JSON answer (an error's), else undefined. */
  message: string | undefined;
  /** The `csrfToken` of a JSON answer (a session's), else undefined. */
  csrfToken: string | undefined;
  setCookie: string | null;
  location: string | null;
}

const AnswerFields = z.object({ message: z.string().optional(), csrfToken: z.string().optional() });

async function call(method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await fetch(`${url}${path}`, { method, body: opts.body, headers: opts.headers, redirect: "manual" });
  const text = await res.text();
  const body: unknown = text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
  const fields = AnswerFields.safeParse(body).data;
  return {
    status: res.status,
    body,
    message: fields?.message,
    csrfToken: fields?.csrfToken,
    setCookie: res.headers.get("set-cookie"),
    location: res.headers.get("location"),
  };
}

const json = { "content-type": "application/json" };
const form = { "content-type": "application/x-www-form-urlencoded" };
const signIn = (apiKey: unknown, headers: Record<string, string> = {}) =>
  call("POST", "/session", { body: JSON.stringify({ apiKey }), headers: { ...json, ...headers } });

/** Signs an admin key in; returns the cookie header value and the CSRF token. */
async function session(apiKey?: string): Promise<{ cookie: string; csrf: string; token: string }> {
  const answer = await signIn(apiKey ?? (await adminKey()));
  expect(answer.status).toBe(200);
  const token = /^ue_session=([^;]+);/.exec(answer.setCookie ?? "")![1]!;
  return { cookie: `ue_session=${token}`, csrf: z.string().parse(answer.csrfToken), token };
}

const WORKSPACE_QUERY = JSON.stringify({ query: "{ workspace { id } }" });
const graphql = (headers: Record<string, string>) => call("POST", "/graphql", { body: WORKSPACE_QUERY, headers: { ...json, ...headers } });

describe("signing in", () => {
  test("an admin key gets an HttpOnly, SameSite=Strict session cookie; only the token's hash is stored, and the key is never echoed", async () => {
    const key = await adminKey("Ops admin");
    const answer = await signIn(key);
    expect(answer.status).toBe(200);
    expect(answer.setCookie).toMatch(/^ue_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(answer.body).toEqual({
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: "2026-11-16T00:00:00.000Z",
      workspace: { id: "ws_s", name: "Fixture" },
      key: { id: expect.stringMatching(/^key_/), name: "Ops admin", role: "admin", prefix: key.slice(0, 10) },
    });
    expect(JSON.stringify(answer.body)).not.toContain(key);
    const token = /^ue_session=([^;]+)/.exec(answer.setCookie!)![1]!;
    expect(await db.prisma.session.findUnique({ where: { id: token } })).toBeNull();
    expect(await db.prisma.session.findUnique({ where: { id: sessionIdOf(token) } })).toMatchObject({
      csrfToken: answer.csrfToken,
      endedAt: null,
    });
  });

  test("a missing, unknown, revoked or non-admin key is refused, each with its own message", async () => {
    const revoked = await createAccessKey(db, { workspaceId: "ws_s", role: "admin" });
    await revokeAccessKey(db, "ws_s", revoked.id);
    const exporter = (await createAccessKey(db, { workspaceId: "ws_s", role: "export" })).apiKey;
    const ingester = (await createAccessKey(db, { workspaceId: "ws_s", role: "ingest" })).apiKey;
    const refusals = await Promise.all([
      signIn(undefined),
      signIn("  "),
      signIn("ue_nope"),
      signIn(revoked.apiKey),
      signIn(exporter),
      signIn(ingester),
    ]);
    expect(refusals.map((r) => [r.status, r.message, r.setCookie])).toEqual([
      [401, "Enter an admin API key to sign in", null],
      [401, "Enter an admin API key to sign in", null],
      [401, "Invalid API key", null],
      [401, "This API key has been revoked", null],
      [403, "Only admin API keys may sign in to the analytics page; export and ingest keys may not", null],
      [403, "Only admin API keys may sign in to the analytics page; export and ingest keys may not", null],
    ]);
  });

  test("the page's HTML form is answered with a redirect: to the page with the cookie, or with a failure code only", async () => {
    const key = await adminKey();
    const post = (body: string) => call("POST", "/session", { body, headers: { ...form, origin: url, "sec-fetch-site": "same-origin" } });
    const ok = await post(new URLSearchParams({ apiKey: key }).toString());
    expect([ok.status, ok.location]).toEqual([303, "/"]);
    expect(ok.setCookie).toMatch(/^ue_session=.+; HttpOnly; SameSite=Strict/);
    const exporter = (await createAccessKey(db, { workspaceId: "ws_s", role: "export" })).apiKey;
    const failures = await Promise.all([post("apiKey=ue_wrong"), post(`apiKey=${exporter}`), post("")]);
    expect(failures.map((f) => [f.status, f.location, f.setCookie])).toEqual([
      [303, "/?sign_in=invalid", null],
      [303, "/?sign_in=not_admin", null],
      [303, "/?sign_in=missing", null],
    ]);
  });

  test("a sign-in posted by another site is refused, so it cannot sign a visitor in under someone else's key", async () => {
    const key = await adminKey();
    const fromEvil = await signIn(key, { origin: "https://evil.example" });
    expect([fromEvil.status, fromEvil.message, fromEvil.setCookie]).toEqual([
      403,
      "Sign-in is only accepted from this service's own page",
      null,
    ]);
    const crossSite = await signIn(key, { "sec-fetch-site": "cross-site" });
    expect(crossSite.status).toBe(403);
    const evilForm = await call("POST", "/session", { body: `apiKey=${key}`, headers: { ...form, origin: "https://evil.example" } });
    expect([evilForm.status, evilForm.location, evilForm.setCookie]).toEqual([303, "/?sign_in=cross_site", null]);
  });

  test("other bodies are refused with a clear 400", async () => {
    const plain = await call("POST", "/session", { body: "ue_x", headers: { "content-type": "text/plain" } });
    expect([plain.status, plain.message]).toEqual([400, 'Send JSON {"apiKey": "…"} (Content-Type: application/json) or the sign-in form']);
    const malformed = await call("POST", "/session", { body: "{", headers: json });
    expect(malformed.status).toBe(400);
  });

  test("the cookie is Secure when the service is served over https", async () => {
    const httpsApp = testApp(db, { now: FIXTURE_NOW, env: { PUBLIC_BASE_URL: "https://exports.example" } });
    const httpsUrl = await startTestServer(httpsApp);
    const res = await fetch(`${httpsUrl}/session`, { method: "POST", headers: json, body: JSON.stringify({ apiKey: await adminKey() }) });
    expect(res.headers.get("set-cookie")).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
  });
});

describe("using the session", () => {
  test("GET /session describes the live session and answers 401 without one", async () => {
    const s = await session();
    const live = await call("GET", "/session", { headers: { cookie: s.cookie } });
    expect([live.status, live.csrfToken, z.object({ workspace: z.object({ id: z.string() }) }).parse(live.body).workspace.id]).toEqual([
      200,
      s.csrf,
      "ws_s",
    ]);
    const none = await call("GET", "/session");
    expect([none.status, none.message]).toEqual([401, "You are not signed in: sign in with an admin API key"]);
    const unknown = await call("GET", "/session", { headers: { cookie: "ue_session=forged" } });
    expect([unknown.status, unknown.message]).toEqual([401, "You are not signed in (unknown session): sign in with an admin API key"]);
  });

  test("GraphQL accepts the cookie with its CSRF token, and refuses it without the token or with another one", async () => {
    const s = await session();
    const ok = await graphql({ cookie: s.cookie, "x-csrf-token": s.csrf });
    expect([ok.status, ok.body]).toEqual([200, { data: { workspace: { id: "ws_s" } } }]);
    const missing = await graphql({ cookie: s.cookie });
    expect([missing.status, missing.message]).toEqual([
      403,
      'Missing CSRF token: send the "x-csrf-token" header returned by GET /session with every call made with the session cookie',
    ]);
    const other = await session();
    const wrong = await graphql({ cookie: s.cookie, "x-csrf-token": other.csrf });
    expect([wrong.status, wrong.message]).toEqual([403, "The CSRF token does not match this session"]);
    const short = await graphql({ cookie: s.cookie, "x-csrf-token": "x" });
    expect(short.status).toBe(403);
  });

  test("a Bearer header still works and wins over a cookie", async () => {
    const key = await adminKey();
    expect((await graphql({ authorization: `Bearer ${key}`, cookie: "ue_session=forged" })).body).toEqual({
      data: { workspace: { id: "ws_s" } },
    });
  });

  test("revoking the key ends its sessions at once", async () => {
    const key = await createAccessKey(db, { workspaceId: "ws_s", role: "admin" });
    const s = await session(key.apiKey);
    await revokeAccessKey(db, "ws_s", key.id);
    const refused = await graphql({ cookie: s.cookie, "x-csrf-token": s.csrf });
    expect([refused.status, refused.message]).toEqual([401, "The API key of this session has been revoked"]);
    expect((await call("GET", "/session", { headers: { cookie: s.cookie } })).status).toBe(401);
  });

  test("a session expires 12 hours after sign-in", async () => {
    const s = await session();
    clock = new Date(FIXTURE_NOW.getTime() + 12 * 3_600_000 - 1); // 23:59:59.999 the same day: still live
    expect((await graphql({ cookie: s.cookie, "x-csrf-token": s.csrf })).status).toBe(200);
    clock = new Date(FIXTURE_NOW.getTime() + 12 * 3_600_000); // Monday 00:00 UTC: expired
    const expired = await graphql({ cookie: s.cookie, "x-csrf-token": s.csrf });
    clock = FIXTURE_NOW;
    expect([expired.status, expired.message]).toEqual([401, "This session has expired: sign in again"]);
  });

  test("signing out needs the CSRF token, ends the session and clears the cookie", async () => {
    const s = await session();
    const forged = await call("DELETE", "/session", { headers: { cookie: s.cookie } });
    expect(forged.status).toBe(403);
    expect((await graphql({ cookie: s.cookie, "x-csrf-token": s.csrf })).status).toBe(200);

    const out = await call("DELETE", "/session", { headers: { cookie: s.cookie, "x-csrf-token": s.csrf } });
    expect([out.status, out.setCookie]).toEqual([204, "ue_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"]);
    expect((await db.prisma.session.findUniqueOrThrow({ where: { id: sessionIdOf(s.token) } })).endedAt).toEqual(FIXTURE_NOW);
    const after = await graphql({ cookie: s.cookie, "x-csrf-token": s.csrf });
    expect([after.status, after.message]).toEqual([401, "This session was signed out: sign in again"]);
    // Signing out again (or without any session) only clears the cookie.
    expect((await call("DELETE", "/session", { headers: { cookie: s.cookie } })).status).toBe(204);
    expect((await call("DELETE", "/session")).status).toBe(204);
  });

  test("other methods on /session are 404s", async () => {
    expect((await call("PUT", "/session")).status).toBe(404);
  });
});

describe("the REST API is unchanged by sessions", () => {
  test("exports and ingestion ignore the session cookie and still refuse browser origins", async () => {
    const s = await session();
    const body = JSON.stringify(FIXTURE_PERIOD);
    const withCookie = await call("POST", "/export/users", { body, headers: { ...json, cookie: s.cookie, "x-csrf-token": s.csrf } });
    expect([withCookie.status, withCookie.message]).toEqual([401, 'Missing API key: send the header "Authorization: Bearer <key>"']);
    const ingest = await call("POST", "/ingest", { body: "[]", headers: { ...json, cookie: s.cookie, "x-csrf-token": s.csrf } });
    expect(ingest.status).toBe(401);
    const fromPage = await call("POST", "/export/users", {
      body,
      headers: { ...json, cookie: s.cookie, "x-csrf-token": s.csrf, origin: url },
    });
    expect([fromPage.status, fromPage.message]).toEqual([
      403,
      "Browser-origin requests are refused: call this API from a server, never from a web page, so your API key stays secret",
    ]);
  });
});
