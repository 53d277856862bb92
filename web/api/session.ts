/** The page's view of its session; the API key itself never reaches the page. */
export interface SessionInfo {
  csrfToken: string;
  expiresAt: string;
  workspace: { id: string; name: string };
  key: { id: string; name: string; role: string; prefix: string };
}

/** The CSRF token of the live session, kept in memory only (never in storage). */
let csrfToken: string | null = null;
export const currentCsrfToken = () => csrfToken;

/** The live session, or null when signed out (401). */
export async function loadSession(): Promise<SessionInfo | null> {
  const res = await fetch("/session", { credentials: "same-origin", cache: "no-store" });
  if (res.status === 401) return null;
  if (!res.ok) throw new Error(`Could not read the session (HTTP ${res.status})`);
  const info: unknown = await res.json();
  if (!isSessionInfo(info)) throw new Error("Could not read the session (unexpected answer)");
  csrfToken = info.csrfToken;
  return info;
}

/** The answer of GET /session (src/http/routes/session.ts): checked where the page relies on it. */
function isSessionInfo(v: unknown): v is SessionInfo {
  const isObject = (o: unknown): o is object => typeof o === "object" && o !== null;
  return (
    isObject(v) &&
    "csrfToken" in v &&
    typeof v.csrfToken === "string" &&
    "workspace" in v &&
    isObject(v.workspace) &&
    "key" in v &&
    isObject(v.key)
  );
}

export async function signOut(): Promise<void> {
  await fetch("/session", {
    method: "DELETE",
    credentials: "same-origin",
    headers: csrfToken ? { "x-csrf-token": csrfToken } : {},
  });
  csrfToken = null;
}
