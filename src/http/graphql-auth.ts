import type { IncomingMessage } from "node:http";
import { authenticate } from "../auth/access-keys.ts";
import { checkCsrf, findSession } from "../auth/sessions.ts";
import type { AppContext } from "../context.ts";
import type { AccessKey, Workspace } from "../generated/prisma/client.ts";
import { readCookie, SESSION_COOKIE } from "./cookies.ts";

/**
 * Who is calling GraphQL: a server with `Authorization: Bearer <key>`, or the
 * analytics page with its session cookie plus the session's CSRF token in
 * `x-csrf-token`. A Bearer header wins when both are sent.
 */
export async function authenticateGraphQL(app: AppContext, req: IncomingMessage): Promise<{ key: AccessKey; workspace: Workspace }> {
  const cookieToken = req.headers.authorization ? null : readCookie(req, SESSION_COOKIE);
  if (!cookieToken) return authenticate(app.db, req.headers.authorization);
  const { session, key, workspace } = await findSession(app.db, cookieToken, app.now());
  checkCsrf(session, req.headers["x-csrf-token"]);
  return { key, workspace };
}
