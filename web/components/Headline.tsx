import type { Summary } from "../api/analytics.ts";
import { formatInt, formatUsd } from "../format.ts";

interface Stat {
  id: string;
  label: string;
  /** The exact value from GraphQL, kept machine-readable in <data value>. */
  raw: string;
  shown: string;
}

/** The headline numbers; tokens and cost only for BYOK workspaces (null otherwise). */
export function Headline({ summary: s, byok }: { summary: Summary; byok: boolean }) {
  const count = (id: string, label: string, n: number): Stat => ({ id, label, raw: String(n), shown: formatInt(n) });
  const stats: Stat[] = [
    count("messages", "Messages", s.messages),
    count("activeUsers", "Active users", s.activeUsers),
    count("agentsUsed", "Agents used", s.agentsUsed),
    count("apiRequests", "API requests", s.apiRequests),
  ];
  if (byok && s.inputTokens !== null && s.outputTokens !== null && s.costUsd !== null) {
    stats.push(count("inputTokens", "Input tokens", s.inputTokens), count("outputTokens", "Output tokens", s.outputTokens), {
      id: "costUsd",
      label: "Provider cost",
      raw: s.costUsd,
      shown: formatUsd(s.costUsd),
    });
  }
  return (
    <section class="headline" aria-labelledby="headline-title">
      <h2 id="headline-title" class="visually-hidden">
        Headline numbers
      </h2>
      <dl>
        {stats.map((st) => (
          <div class="stat" key={st.id} data-stat={st.id}>
            <dt>{st.label}</dt>
            <dd>
              <data value={st.raw}>{st.shown}</data>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
