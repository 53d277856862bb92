import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Database } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { AccessKey, Session, Workspace } from "../generated/prisma/client.ts";
import { hashApiKey } from "./secrets/key-secrets.ts";
import { can } from "./permissions.ts";
import { SIGN_IN_FAILURES, type SignInFailure } from "./sign-in-failures.ts";

const HOUR_MS = 3_600_000;
/**
 * Sessions last 12 hours from sign-in, not extended by use: a working day on
 * the page, after which a left-open laptop needs the key again. Short enough
 * that a stolen cookie is of limited use; revoking the key ends it at once.
 */
export const SESSION_TTL_MS = 12 * HOUR_MS;
/** Rows stay a week past their expiry (so "expired" can be told from "unknown"), then go at the key's next sign-in. */
const KEEP_ENDED_MS = 7 * 24 * HOUR_MS;

export interface SignedInSession {
  session: Session;
  key: AccessKey;
  workspace: Workspace;
}

/** A refused sign-in; `reason` is what the form sign-in reports back to the page. */
export class SignInError extends AppError {
  constructor(readonly reason: SignInFailure) {
    super(reason === "invalid" || reason === "revoked" || reason === "missing" ? "UNAUTHORIZED" : "FORBIDDEN", SIGN_IN_FAILURES[reason]);
  }
}

const token = () => randomBytes(32).toString("base64url");
/** The database keeps only the hash of the cookie's token, as it does for API keys. */
export const sessionIdOf = (cookieToken: string) => createHash("sha256").update(cookieToken, "utf8").digest("hex");

/**
 * Signs an admin key in: returns the cookie token (shown to the browser once,
 * only its hash is stored) and the session with its CSRF token.
 */
export async function startSession(db: Database, apiKey: unknown, now: Date): Promise<SignedInSession & { cookieToken: string }> {
  if (typeof apiKey !== "string" || apiKey.trim() === "") throw new SignInError("missing");
  const found = await db.prisma.accessKey.findUnique({ where: { hash: hashApiKey(apiKey.trim()) }, include: { workspace: true } });
  if (!found) throw new SignInError("invalid");
  if (found.revokedAt) throw new SignInError("revoked");
  if (!can(found.role, "manage")) throw new SignInError("not_admin");
  const { workspace, ...key } = found;
  await db.prisma.session.deleteMany({ where: { accessKeyId: key.id, expiresAt: { lt: new Date(now.getTime() - KEEP_ENDED_MS) } } });
  const cookieToken = token();
  const session = await db.prisma.session.create({
    data: {
      id: sessionIdOf(cookieToken),
      accessKeyId: key.id,
      csrfToken: token(),
      createdAt: now,
      expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
    },
  });
  return { cookieToken, session, key, workspace };
}

/** The live session behind a cookie token, or a 401 saying why it is not. */
export async function findSession(db: Database, cookieToken: string, now: Date): Promise<SignedInSession> {
  const found = await db.prisma.session.findUnique({
    where: { id: sessionIdOf(cookieToken) },
    include: { accessKey: { include: { workspace: true } } },
  });
  if (!found) throw new AppError("UNAUTHORIZED", "You are not signed in (unknown session): sign in with an admin API key");
  if (found.endedAt) throw new AppError("UNAUTHORIZED", "This session was signed out: sign in again");
  if (found.expiresAt <= now) throw new AppError("UNAUTHORIZED", "This session has expired: sign in again");
  if (found.accessKey.revokedAt) throw new AppError("UNAUTHORIZED", "The API key of this session has been revoked");
  const { accessKey, ...session } = found;
  const { workspace, ...key } = accessKey;
  return { session, key, workspace };
}

/** Cookie-authenticated calls must echo the session's CSRF token in `x-csrf-token`; another site cannot read it. */
export function checkCsrf(session: Session, header: string | string[] | undefined): void {
  const sent = Array.isArray(header) ? header[0] : header;
  if (!sent)
    throw new AppError(
      "FORBIDDEN",
      'Missing CSRF token: send the "x-csrf-token" header returned by GET /session with every call made with the session cookie',
    );
  const a = Buffer.from(sent);
  const b = Buffer.from(session.csrfToken);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new AppError("FORBIDDEN", "The CSRF token does not match this session");
}

export async function endSession(db: Database, sessionId: string, now: Date): Promise<void> {
  await db.prisma.session.updateMany({ where: { id: sessionId, endedAt: null }, data: { endedAt: now } });
}
