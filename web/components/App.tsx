import { useEffect, useState } from "preact/hooks";
import { whenSessionLost } from "../api/graphql.ts";
import { loadSession, signOut, type SessionInfo } from "../api/session.ts";
import { ReportsScreen } from "../reports/ReportsScreen.tsx";
import { AnalyticsPage } from "./AnalyticsPage.tsx";
import { SignIn } from "./SignIn.tsx";

type Screen = "analytics" | "reports";
const screenOf = (hash: string): Screen => (hash === "#/reports" ? "reports" : "analytics");

/** Session gate, top bar and the two screens (hash routes `#/` and `#/reports`). */
export function App() {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const [lost, setLost] = useState<string | null>(null);
  const [screen, setScreen] = useState<Screen>(screenOf(location.hash));

  useEffect(() => {
    whenSessionLost((message) => {
      setLost(message);
      setSession(null);
    });
    loadSession().then(setSession, (e: Error) => {
      setLost(e.message);
      setSession(null);
    });
    const onHash = () => setScreen(screenOf(location.hash));
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);

  if (session === undefined)
    return (
      <p class="loading" role="status">
        Loading…
      </p>
    );
  if (session === null) return <SignIn notice={lost} />;

  const leave = async () => {
    await signOut();
    setLost(null);
    setSession(null);
  };
  const nav = (target: Screen, href: string, label: string) => (
    <a href={href} aria-current={screen === target ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header class="topbar">
        <span class="brand">Usage Exports</span>
        <nav aria-label="Main">
          {nav("analytics", "#/", "Analytics")}
          {nav("reports", "#/reports", "Scheduled reports")}
        </nav>
        <span class="who" title={`Signed in with ${session.key.prefix}…`}>
          {session.workspace.name} · {session.key.name}
        </span>
        <button type="button" class="secondary" onClick={leave}>
          Sign out
        </button>
      </header>
      <main id="main">{screen === "reports" ? <ReportsScreen /> : <AnalyticsPage />}</main>
    </>
  );
}
