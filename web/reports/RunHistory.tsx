import { formatInstant } from "../format.ts";
import type { Run } from "./api.ts";

/** Deliveries, newest first, each with its attempts: outcome, error and the SMTP or Slack id. */
export function RunHistory({ runs, timezone }: { runs: Run[]; timezone: string }) {
  return (
    <details class="history">
      <summary>Delivery history ({runs.length})</summary>
      {runs.length === 0 ? (
        <p class="empty">Nothing delivered yet.</p>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable so keyboard users can scroll it (WCAG 2.1.1)
        // biome-ignore lint/a11y/useSemanticElements: role="region" names the scroll container; a <section> would add a landmark per table
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Delivery history">
          <table>
            <thead>
              <tr>
                <th scope="col">Period</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id} data-run={r.id}>
                  <td>
                    {r.periodStart} – {r.periodEnd}
                  </td>
                  <td>{r.kind}</td>
                  <td>
                    <span class={`badge ${r.status}`}>{r.status}</span>
                    {r.deliveredAt && <span class="subtle"> {formatInstant(r.deliveredAt, timezone)}</span>}
                  </td>
                  <td>
                    <ol class="attempts" aria-label={`Attempts of the ${r.periodStart} run`}>
                      {r.attemptLog.map((a, i) => (
                        <li key={i}>
                          {a.outcome ?? "running"}
                          {a.error && <span class="error"> — {a.error}</span>}
                        </li>
                      ))}
                    </ol>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </details>
  );
}
