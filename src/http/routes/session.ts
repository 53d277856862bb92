import type { IncomingMessage, ServerResponse } from "node:http";
import {
  checkCsrf,
  endSession,
  findSession,
  SESSION_TTL_MS,
  SignInError,
  startSession,
  type SignedInSession,
} from "../../auth/sessions.ts";
import type { AppContext } from "../../runtime/context.ts";
import { AppError } from "../../errors/app-error.ts";
import { parseJson, readBody } from "../shared/body.ts";
import { readCookie, SESSION_COOKIE, sessionCookie } from "../shared/cookies.ts";
import { clientAddress, limitsOf } from "../../limits/rate-limit.ts";
import { sendJson } from "../shared/respond.ts";

const SIGN_IN_BODY_LIMIT_BYTES = 4 * 1024;
const NO_STORE = { "cache-control": "no-store" };

/** What the page learns about its session: never the key, only which key it is. */
function sessionBody({ session, key, workspace }: SignedInSession) {
  return {
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt.toISOString(),
    workspace: { id: workspace.id, name: workspace.name },
    key: { id: key.id, name: key.name, role: key.role, prefix: key.prefix },
  };
}

/**
 * Is the request from this service's own page? Browsers send Origin (and
 * Sec-Fetch-Site) on every POST; a sign-in posted by another site is refused so
 * it cannot sign a visitor in under the attacker's key.
 */
function fromOwnPage(app: AppContext, req: IncomingMessage): boolean {
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin") return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return origin === new URL(app.env.publicBaseUrl).origin || new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** The `apiKey` of a JSON sign-in body (anything else is not a key, and is refused as one). */
function apiKeyOf(body: unknown): unknown {
  return typeof body === "object" && body !== null && "apiKey" in body ? body.apiKey : undefined;
}

const secure = (app: AppContext) => app.env.publicBaseUrl.startsWith("https:");

/**
 * POST /session signs an admin key in: JSON `{apiKey}` answers JSON; the page's
 * plain HTML form (`apiKey` field) gets a 303 back to `/`, so the key never
 * passes through page scripts. GET /session describes the live session (401
 * otherwise); DELETE /session (with the CSRF header) signs out.
 */
export async function handleSession(app: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === "POST") return signIn(app, req, res);
  const cookieToken = readCookie(req, SESSION_COOKIE);
  if (req.method === "GET") {
    if (!cookieToken) throw new AppError("UNAUTHORIZED", "You are not signed in: sign in with an admin API key");
    return sendJson(res, 200, sessionBody(await findSession(app.db, cookieToken, app.now())), NO_STORE);
  }
  if (req.method === "DELETE") {
    const live = cookieToken ? await findSession(app.db, cookieToken, app.now()).catch(() => null) : null;
    // Ending someone's live session is a state change, so it needs the CSRF token; a dead one is only forgotten.
    if (live) {
      checkCsrf(live.session, req.headers["x-csrf-token"]);
      await endSession(app.db, live.session.id, app.now());
    }
    res.writeHead(204, { ...NO_STORE, "set-cookie": sessionCookie("", { secure: secure(app), maxAgeSeconds: 0 }) });
    return void res.end();
  }
  throw new AppError("NOT_FOUND", `${req.method} /session is not supported; use GET, POST or DELETE`);
}

/** A key that is not a live key: what guessing runs into (a valid non-admin key or a cross-site post is not a guess). */
const isGuessFailure = (error: unknown) => error instanceof SignInError && (error.reason === "invalid" || error.reason === "revoked");

/** Refused keys use up the address's failure budget shared with Bearer keys; past it every attempt is a 429, form or JSON. */
async function signIn(app: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  const form = type === "application/x-www-form-urlencoded";
  if (!form && type !== "application/json")
    throw new AppError("BAD_REQUEST", 'Send JSON {"apiKey": "…"} (Content-Type: application/json) or the sign-in form');
  const text = await readBody(req, SIGN_IN_BODY_LIMIT_BYTES);
  try {
    if (!fromOwnPage(app, req)) throw new SignInError("cross_site");
    const apiKey = form ? new URLSearchParams(text).get("apiKey") : apiKeyOf(parseJson(text));
    const started = await limitsOf(app).authFailures.attempt(
      clientAddress(req),
      () => startSession(app.db, apiKey, app.now()),
      isGuessFailure,
    );
    const cookie = sessionCookie(started.cookieToken, { secure: secure(app), maxAgeSeconds: SESSION_TTL_MS / 1000 });
    if (!form) return sendJson(res, 200, sessionBody(started), { ...NO_STORE, "set-cookie": cookie });
    res.writeHead(303, { ...NO_STORE, location: "/", "set-cookie": cookie });
    res.end();
  } catch (error) {
    if (!form || !(error instanceof SignInError)) throw error;
    // Only a code travels in the URL; the page maps it to its message (src/auth/sign-in-failures.ts).
    res.writeHead(303, { ...NO_STORE, location: `/?sign_in=${error.reason}` });
    res.end();
  }
}
