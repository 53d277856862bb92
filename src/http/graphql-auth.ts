import type { IncomingMessage } from "node:http";
import { authenticate, RefusedKeyError } from "../auth/access-keys.ts";
import { checkCsrf, findSession } from "../auth/sessions.ts";
import type { AppContext } from "../runtime/context.ts";
import type { AccessKey, Workspace } from "../generated/prisma/client.ts";
import { readCookie, SESSION_COOKIE } from "./shared/cookies.ts";
import { clientAddress, limitsOf } from "../limits/rate-limit.ts";

type Caller = { key: AccessKey; workspace: Workspace };

/**
 * The caller of `Authorization: Bearer <key>` (REST and GraphQL). An unknown or
 * revoked key uses up one of the client address's failures; once they are used
 * up, every key from that address is refused (429) until the window ends.
 */
export function authenticateBearer(app: AppContext, req: IncomingMessage): Promise<Caller> {
  return limitsOf(app).authFailures.attempt(
    clientAddress(req),
    () => authenticate(app.db, req.headers.authorization),
    (error) => error instanceof RefusedKeyError,
  );
}

/**
 * Who is calling GraphQL: a server with `Authorization: Bearer <key>`, or the
 * analytics page with its session cookie plus the session's CSRF token in
 * `x-csrf-token`. A Bearer header wins when both are sent.
 */
export async function authenticateGraphQL(app: AppContext, req: IncomingMessage): Promise<Caller> {
  const cookieToken = req.headers.authorization ? null : readCookie(req, SESSION_COOKIE);
  if (!cookieToken) return authenticateBearer(app, req);
  const { session, key, workspace } = await findSession(app.db, cookieToken, app.now());
  checkCsrf(session, req.headers["x-csrf-token"]);
  return { key, workspace };
}
