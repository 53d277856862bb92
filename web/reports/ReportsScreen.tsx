import { useEffect, useState } from "preact/hooks";
import { loadWorkspace, type Workspace } from "../api/analytics.ts";
import { listSubscriptions, type Subscription } from "./api.ts";
import { SubscriptionCard } from "./SubscriptionCard.tsx";
import { SubscriptionForm } from "./SubscriptionForm.tsx";

/** Report subscriptions: the list, and the form to create or edit one. */
export function ReportsScreen() {
  const [workspace, setWorkspace] = useState<Workspace | null>(null);
  const [subs, setSubs] = useState<Subscription[] | null>(null);
  const [editing, setEditing] = useState<Subscription | "new" | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = () => listSubscriptions().then(setSubs, (e: Error) => setError(e.message));
  useEffect(() => {
    loadWorkspace().then(setWorkspace, (e: Error) => setError(e.message));
    void refresh();
  }, []);

  /** Puts a changed subscription in place (or removes it) without reloading the list. */
  const replace = (changed: Subscription, removed = false) =>
    setSubs((list) => {
      const rest = (list ?? []).filter((s) => s.id !== changed.id);
      if (removed) return rest;
      const at = (list ?? []).findIndex((s) => s.id === changed.id);
      return at < 0 ? [...rest, changed] : [...rest.slice(0, at), changed, ...rest.slice(at)];
    });

  return (
    <>
      <div class="page-head">
        <div>
          <h1>Scheduled reports</h1>
          <p class="subtle">Weekly or monthly zips of CSV exports, by email or Slack. Each run covers the previous full week or month.</p>
        </div>
        <button type="button" onClick={() => setEditing("new")} disabled={!workspace || editing !== null}>
          New subscription
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {workspace && editing !== null && (
        <SubscriptionForm
          workspace={workspace}
          editing={editing === "new" ? null : editing}
          onDone={(saved) => {
            if (saved) replace(saved);
            setEditing(null);
          }}
        />
      )}
      {subs === null ? (
        !error && <p role="status">Loading…</p>
      ) : subs.length === 0 ? (
        <p class="empty card">No subscriptions yet.</p>
      ) : (
        <ul class="subscriptions" aria-label="Subscriptions">
          {subs.map((s) => (
            <SubscriptionCard key={s.id} sub={s} onEdit={() => setEditing(s)} onChanged={replace} onReload={refresh} />
          ))}
        </ul>
      )}
    </>
  );
}
