import type { Workspace } from "../api/analytics.ts";
import { formatDate } from "../format.ts";

export interface DateRangeValue {
  from: string;
  to: string;
}

/** Why a custom range would be refused, checked before asking the server (which checks again). */
export function customRangeProblem(r: DateRangeValue, w: Pick<Workspace, "historyStart">): string | null {
  if (!r.from || !r.to) return "Choose a start and an end date";
  if (r.from > r.to) return "The start date must not be after the end date";
  if (r.from < w.historyStart) return `Historical data is limited to 12 months: start on ${formatDate(w.historyStart)} or later`;
  return null;
}

/** Two date fields limited to the last 12 months, in the workspace's time zone. */
export function CustomRange({
  idPrefix,
  value,
  workspace,
  onChange,
}: {
  idPrefix: string;
  value: DateRangeValue;
  workspace: Workspace;
  onChange: (v: DateRangeValue) => void;
}) {
  const field = (key: keyof DateRangeValue, label: string) => (
    <span class="field">
      <label for={`${idPrefix}-${key}`}>{label}</label>
      <input
        id={`${idPrefix}-${key}`}
        type="date"
        required
        min={workspace.historyStart}
        max={workspace.today}
        value={value[key]}
        onInput={(e) => onChange({ ...value, [key]: e.currentTarget.value })}
      />
    </span>
  );
  return (
    <span class="custom-range">
      {field("from", "From")}
      {field("to", "To")}
    </span>
  );
}
