import { useState } from "preact/hooks";
import { messageOf } from "../api/graphql.ts";
import { formatInstant } from "../format.ts";
import { deleteSubscription, sendTest, setSubscriptionActive, type Subscription } from "./api.ts";
import { describeChannel, describeSchedule, describeTypes } from "./describe.ts";
import { RunHistory } from "./RunHistory.tsx";

/** One subscription: what, when, where; pause/resume, test, edit, delete; its delivery history. */
export function SubscriptionCard({
  sub,
  onEdit,
  onChanged,
  onReload,
}: {
  sub: Subscription;
  onEdit: () => void;
  onChanged: (s: Subscription, removed?: boolean) => void;
  onReload: () => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const titleId = `sub-${sub.id}-title`;

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setNote(null);
    try {
      await work();
    } catch (e) {
      setNote({ ok: false, text: messageOf(e) });
    } finally {
      setBusy(false);
    }
  };
  const test = () =>
    act(async () => {
      const run = await sendTest(sub.id);
      setNote(
        run.status === "delivered"
          ? { ok: true, text: `Test delivered (${run.periodStart} – ${run.periodEnd}).` }
          : { ok: false, text: `Test ${run.status}: ${run.lastError ?? "see the delivery history"}` },
      );
      await onReload();
    });

  return (
    <li class="card subscription" aria-labelledby={titleId} data-subscription={sub.id}>
      <div class="sub-head">
        <h2 id={titleId}>{sub.name}</h2>
        <span class={`badge ${sub.active ? "on" : "off"}`}>{sub.active ? "Active" : "Paused"}</span>
      </div>
      <dl class="facts">
        <dt>Schedule</dt>
        <dd>{describeSchedule(sub)}</dd>
        <dt>Data</dt>
        <dd>{describeTypes(sub)}</dd>
        <dt>Delivery</dt>
        <dd>{describeChannel(sub)}</dd>
        <dt>Next runs</dt>
        <dd>
          {sub.nextRuns.length === 0 ? (
            "None while paused"
          ) : (
            <ul class="next-runs">
              {sub.nextRuns.map((r) => (
                <li key={r}>
                  <time dateTime={r}>{formatInstant(r, sub.timezone)}</time>
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      <div class="actions">
        <button type="button" class="secondary" disabled={busy} onClick={onEdit}>
          Edit
        </button>
        <button
          type="button"
          class="secondary"
          disabled={busy}
          onClick={() => act(async () => onChanged(await setSubscriptionActive(sub.id, !sub.active)))}
        >
          {sub.active ? "Pause" : "Resume"}
        </button>
        <button type="button" class="secondary" disabled={busy} onClick={test}>
          {busy ? "Working…" : "Send test"}
        </button>
        {confirmingDelete ? (
          <button
            type="button"
            class="danger"
            disabled={busy}
            onClick={() => act(async () => onChanged(await deleteSubscription(sub.id), true))}
          >
            Confirm delete
          </button>
        ) : (
          <button type="button" class="secondary" disabled={busy} onClick={() => setConfirmingDelete(true)}>
            Delete
          </button>
        )}
      </div>
      <p role="status" class={note && !note.ok ? "error" : "ok"}>
        {note?.text}
      </p>
      <RunHistory runs={sub.runs} timezone={sub.timezone} />
    </li>
  );
}
