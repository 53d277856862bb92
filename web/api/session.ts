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
  const info = (await res.json()) as SessionInfo;
  csrfToken = info.csrfToken;
  return info;
}

export async function signOut(): Promise<void> {
  await fetch("/session", {
    method: "DELETE",
    credentials: "same-origin",
    headers: csrfToken ? { "x-csrf-token": csrfToken } : {},
  });
  csrfToken = null;
}
