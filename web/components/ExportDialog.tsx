import { useEffect, useRef, useState } from "preact/hooks";
import { loadWorkspace, type DataType, type GroupBy, type PresetName, type RangeChoice, type Workspace } from "../api/analytics.ts";
import { runExportJob } from "../api/export-jobs.ts";
import { messageOf, PageError } from "../api/graphql.ts";
import { startDownload } from "../download.ts";
import { formatDate, formatDay, formatInt, PRESET_LABELS } from "../format.ts";
import { CustomRange, customRangeProblem } from "./CustomRange.tsx";
import { GroupByOptions } from "./GroupByOptions.tsx";

/** The guide's data types, in its order, with its descriptions. */
const DATA_TYPES: { value: DataType; label: string; hint: string }[] = [
  { value: "USERS", label: "Users", hint: "Individual user activity, message counts and feature usage" },
  { value: "AGENTS", label: "Agents", hint: "Agent usage statistics, interaction counts and performance metrics" },
  { value: "API_KEYS", label: "API keys", hint: "API usage and cost grouped by API key" },
  { value: "PROJECTS", label: "Projects", hint: "Project-level usage data" },
  { value: "MODELS", label: "Models", hint: "Model usage statistics, request counts and BYOK token consumption" },
];
const GROUP_LABELS: Record<GroupBy, string> = { MODEL: "Model", SOURCE: "Source", DEPLOYMENT: "Deployment" };

type Status =
  | { kind: "idle" }
  | { kind: "working"; queued: boolean; rowsWritten: number }
  | { kind: "done"; file: string; rows: number }
  | { kind: "error"; message: string; problems: string[] };

/** The Export dialog of the guide: data type, date range, subgroup rows, Generate CSV. */
export function ExportDialog({ workspace: initial, onClose }: { workspace: Workspace; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [workspace, setWorkspace] = useState(initial);
  const [dataType, setDataType] = useState<DataType>("USERS");
  const [rangeChoice, setRangeChoice] = useState<PresetName | "CUSTOM">("THIS_MONTH");
  const [custom, setCustom] = useState({
    from: initial.presets.find((p) => p.preset === "THIS_MONTH")?.startDate ?? initial.today,
    to: initial.today,
  });
  const [groupBy, setGroupBy] = useState<GroupBy | "">("");
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  // Set when the dialog goes away: its job's polling stops (the job runs on).
  const closed = useRef(false);

  useEffect(() => {
    dialog.current?.showModal();
    // Preset dates move at midnight: read them again each time the dialog opens.
    loadWorkspace().then(setWorkspace, () => undefined);
    return () => {
      closed.current = true;
    };
  }, []);

  const options = workspace.groupBy[dataType];
  const chooseType = (t: DataType) => {
    setDataType(t);
    if (groupBy && !workspace.groupBy[t].includes(groupBy)) setGroupBy("");
  };

  const generate = async (e: Event) => {
    e.preventDefault();
    let range: RangeChoice;
    if (rangeChoice === "CUSTOM") {
      const problem = customRangeProblem(custom, workspace);
      if (problem) return setStatus({ kind: "error", message: problem, problems: [] });
      range = { ...custom };
    } else range = { preset: rangeChoice };
    setStatus({ kind: "working", queued: true, rowsWritten: 0 });
    try {
      const result = await runExportJob(
        { dataType, range, timezone: workspace.timezone, groupBy: groupBy || null },
        (job) => setStatus({ kind: "working", queued: job.status === "QUEUED", rowsWritten: job.rowsWritten }),
        () => closed.current,
      );
      if (closed.current) return;
      startDownload(result.downloadUrl);
      setStatus({ kind: "done", file: result.filePath.split("/").pop() ?? result.filePath, rows: result.recordCount });
    } catch (error) {
      if (closed.current) return;
      const problems = error instanceof PageError && error.problems.length > 1 ? error.problems : [];
      setStatus({ kind: "error", message: problems.length > 0 ? "The export could not be created:" : messageOf(error), problems });
    }
  };

  return (
    <dialog ref={dialog} class="export-dialog" aria-labelledby="export-title" onClose={onClose}>
      <form onSubmit={generate}>
        <h2 id="export-title">Export usage</h2>
        <div class="field">
          <label for="export-type">Data type</label>
          <select
            id="export-type"
            value={dataType}
            aria-describedby="export-type-hint"
            onChange={(e) => chooseType(DATA_TYPES.find((t) => t.value === e.currentTarget.value)?.value ?? "USERS")}
          >
            {DATA_TYPES.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
          <p class="hint" id="export-type-hint">
            {DATA_TYPES.find((t) => t.value === dataType)?.hint}
          </p>
        </div>

        <fieldset>
          <legend>Date range</legend>
          {workspace.presets.map((p) => (
            <label class="choice" key={p.preset} data-preset={p.preset}>
              <input
                type="radio"
                name="export-range"
                value={p.preset}
                checked={rangeChoice === p.preset}
                onChange={() => setRangeChoice(p.preset)}
              />
              <span>{PRESET_LABELS[p.preset]}</span>
              <span class="dates">
                <time dateTime={p.startDate}>
                  {p.startDate.slice(0, 4) === p.endDate.slice(0, 4) ? formatDay(p.startDate) : formatDate(p.startDate)}
                </time>
                {" – "}
                <time dateTime={p.endDate}>{formatDate(p.endDate)}</time>
              </span>
            </label>
          ))}
          <label class="choice">
            <input
              type="radio"
              name="export-range"
              value="CUSTOM"
              checked={rangeChoice === "CUSTOM"}
              onChange={() => setRangeChoice("CUSTOM")}
            />
            <span>Choose custom range</span>
          </label>
          {rangeChoice === "CUSTOM" && <CustomRange idPrefix="export" value={custom} workspace={workspace} onChange={setCustom} />}
          <p class="hint">Dates are in {workspace.timezone}. Historical data is limited to 12 months.</p>
        </fieldset>

        <div class="field">
          <label for="export-group">Subgroup rows</label>
          <select id="export-group" value={groupBy} onChange={(e) => setGroupBy(options.find((g) => g === e.currentTarget.value) ?? "")}>
            <GroupByOptions options={options} labels={GROUP_LABELS} />
          </select>
          {options.length === 0 && <p class="hint">Projects have no subgroup rows.</p>}
        </div>

        <div class="messages">
          <p role="status">
            {status.kind === "working" &&
              (status.queued ? "Waiting for the export to start…" : `Generating the CSV… ${formatInt(status.rowsWritten)} rows written`)}
            {status.kind === "done" && `Download started: ${status.file} (${formatInt(status.rows)} rows).`}
          </p>
          {/* The row count is unknown until the job ends: the bar is indeterminate while it runs, its label counts the rows. */}
          {status.kind === "working" && <progress class="export-progress" aria-label="Export progress" data-rows={status.rowsWritten} />}
          {status.kind === "error" && (
            <div class="error" role="alert">
              <p>{status.message}</p>
              {status.problems.length > 0 && (
                <ul>
                  {status.problems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </div>

        <div class="actions">
          <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
            Close
          </button>
          <button type="submit" disabled={status.kind === "working"}>
            {status.kind === "working" ? "Generating…" : "Generate CSV"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
