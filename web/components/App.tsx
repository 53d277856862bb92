import { useEffect, useState } from "preact/hooks";
import { whenSessionLost } from "../api/graphql.ts";
import type { RangeChoice } from "../api/analytics.ts";
import { loadSession, signOut, type SessionInfo } from "../api/session.ts";
import { ChargebackScreen } from "../chargeback/ChargebackScreen.tsx";
import { ReportsScreen } from "../reports/ReportsScreen.tsx";
import { AnalyticsPage } from "./AnalyticsPage.tsx";
import { SignIn } from "./SignIn.tsx";

type Screen = "analytics" | "chargeback" | "reports";
const screenOf = (hash: string): Screen => (hash === "#/reports" ? "reports" : hash === "#/chargeback" ? "chargeback" : "analytics");

/** Session gate, top bar and the three screens (hash routes `#/`, `#/chargeback` and `#/reports`). */
export function App() {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const [lost, setLost] = useState<string | null>(null);
  const [screen, setScreen] = useState<Screen>(screenOf(location.hash));
  // Analytics and Chargeback show the same range: choosing it on one keeps it on the other.
  const [range, setRange] = useState<RangeChoice>({ preset: "LAST_MONTH" });

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
          {nav("chargeback", "#/chargeback", "Chargeback")}
          {nav("reports", "#/reports", "Scheduled reports")}
        </nav>
        <span class="who" title={`Signed in with ${session.key.prefix}…`}>
          {session.workspace.name} · {session.key.name}
        </span>
        <button type="button" class="secondary" onClick={leave}>
          Sign out
        </button>
      </header>
      <main id="main">
        {screen === "reports" ? (
          <ReportsScreen />
        ) : screen === "chargeback" ? (
          <ChargebackScreen range={range} onRange={setRange} />
        ) : (
          <AnalyticsPage range={range} onRange={setRange} />
        )}
      </main>
    </>
  );
}
