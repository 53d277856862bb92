import { useState } from "preact/hooks";
import type { PresetName, RangeChoice, Workspace } from "../api/analytics.ts";
import { formatRange, PRESET_LABELS } from "../format.ts";
import { CustomRange, customRangeProblem } from "./CustomRange.tsx";

/** The page's range: a preset (with its dates) or a custom range applied with a button. */
export function RangePicker({
  workspace,
  value,
  onChange,
}: {
  workspace: Workspace;
  value: RangeChoice;
  onChange: (r: RangeChoice) => void;
}) {
  const [choice, setChoice] = useState<PresetName | "CUSTOM">("preset" in value ? value.preset : "CUSTOM");
  const [custom, setCustom] = useState({ from: "preset" in value ? workspace.historyStart : value.from, to: workspace.today });
  const [problem, setProblem] = useState<string | null>(null);

  const pick = (next: PresetName | "CUSTOM") => {
    setChoice(next);
    setProblem(null);
    if (next !== "CUSTOM") onChange({ preset: next });
  };
  const apply = (e: Event) => {
    e.preventDefault();
    const p = customRangeProblem(custom, workspace);
    setProblem(p);
    if (!p) onChange({ ...custom });
  };

  return (
    <form class="range-picker" onSubmit={apply}>
      <label for="range">Date range</label>
      <select
        id="range"
        value={choice}
        onChange={(e) => pick(workspace.presets.find((p) => p.preset === e.currentTarget.value)?.preset ?? "CUSTOM")}
      >
        {workspace.presets.map((p) => (
          <option key={p.preset} value={p.preset}>
            {PRESET_LABELS[p.preset]} ({formatRange(p.startDate, p.endDate)})
          </option>
        ))}
        <option value="CUSTOM">Custom range…</option>
      </select>
      {choice === "CUSTOM" && (
        <>
          <CustomRange idPrefix="page" value={custom} workspace={workspace} onChange={setCustom} />
          <button type="submit" class="secondary">
            Apply
          </button>
          <span class="subtle">Dates in {workspace.timezone}, up to 12 months back</span>
        </>
      )}
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
