import type { IncomingMessage } from "node:http";

export const SESSION_COOKIE = "ue_session";

/** One cookie's value from the request's Cookie header(s), or null. */
export function readCookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/**
 * The session cookie: HttpOnly (page scripts never see it), SameSite=Strict
 * (other sites' requests never carry it), Secure when the service is served over https.
 */
export function sessionCookie(value: string, opts: { secure: boolean; maxAgeSeconds: number }): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Strict",
    `Max-Age=${Math.max(0, Math.floor(opts.maxAgeSeconds))}`,
    ...(opts.secure ? ["Secure"] : []),
  ].join("; ");
}
