import { describe, expect, test } from "vitest";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { checkCsrf, endSession, findSession, SESSION_TTL_MS, sessionIdOf, SignInError, startSession } from "../../src/auth/sessions.ts";
import { testDatabase } from "../helpers/database.ts";
import { expectInstanceOf } from "../helpers/expect.ts";

const db = await testDatabase();
await db.prisma.workspace.create({ data: { id: "ws_a", name: "A" } });
const admin = await createAccessKey(db, { workspaceId: "ws_a", role: "admin" });
// Sunday 15 November 2026, 12:00 UTC.
const NOW = new Date("2026-11-15T12:00:00Z");
const DAY_MS = 86_400_000;

describe("sessions", () => {
  test("a session lasts 12 hours and is found only by its cookie token, not by its stored id", async () => {
    const { cookieToken, session } = await startSession(db, ` ${admin.apiKey} `, NOW);
    expect(session.id).toBe(sessionIdOf(cookieToken));
    expect(session.expiresAt.getTime() - NOW.getTime()).toBe(SESSION_TTL_MS);
    expect(SESSION_TTL_MS).toBe(12 * 3_600_000);
    expect((await findSession(db, cookieToken, NOW)).key.id).toBe(admin.id);
    await expect(findSession(db, session.id, NOW)).rejects.toThrow("unknown session");
  });

  test("refusals carry the reason the form sign-in reports", async () => {
    const reason = (apiKey: unknown) =>
      startSession(db, apiKey, NOW).then(
        () => null,
        (e: unknown) => {
          const error = expectInstanceOf(e, SignInError);
          return [error.reason, error.status];
        },
      );
    const exporter = await createAccessKey(db, { workspaceId: "ws_a", role: "export" });
    expect(await Promise.all([reason(null), reason(42), reason("ue_unknown"), reason(exporter.apiKey)])).toEqual([
      ["missing", 401],
      ["missing", 401],
      ["invalid", 401],
      ["not_admin", 403],
    ]);
  });

  test("an ended session stays ended, and a key's week-old dead sessions are removed at its next sign-in", async () => {
    const old = await startSession(db, admin.apiKey, new Date(NOW.getTime() - 9 * DAY_MS));
    const recent = await startSession(db, admin.apiKey, new Date(NOW.getTime() - DAY_MS));
    await endSession(db, recent.session.id, NOW);
    await endSession(db, recent.session.id, new Date(NOW.getTime() + 1));
    expect((await db.prisma.session.findUniqueOrThrow({ where: { id: recent.session.id } })).endedAt).toEqual(NOW);
    await startSession(db, admin.apiKey, NOW);
    expect(await db.prisma.session.findUnique({ where: { id: old.session.id } })).toBeNull();
    expect(await db.prisma.session.findUnique({ where: { id: recent.session.id } })).not.toBeNull();
  });

  test("the CSRF check compares the whole token", async () => {
    const { session } = await startSession(db, admin.apiKey, NOW);
    expect(() => checkCsrf(session, session.csrfToken)).not.toThrow();
    expect(() => checkCsrf(session, [session.csrfToken])).not.toThrow();
    expect(() => checkCsrf(session, session.csrfToken.slice(0, -1))).toThrow("does not match");
    expect(() => checkCsrf(session, undefined)).toThrow("Missing CSRF token");
  });
});
