import { useMemo, useState } from "preact/hooks";
import type { DataType, GroupBy, Workspace } from "../api/analytics.ts";
import { messageOf, PageError } from "../api/graphql.ts";
import { createSubscription, updateSubscription, type Subscription, type SubscriptionInput } from "./api.ts";
import { WEEKDAYS } from "./describe.ts";
import { GroupByOptions } from "../components/GroupByOptions.tsx";

const TYPES: { value: DataType; label: string }[] = [
  { value: "USERS", label: "Users" },
  { value: "AGENTS", label: "Agents" },
  { value: "API_KEYS", label: "API keys" },
  { value: "PROJECTS", label: "Projects" },
  { value: "MODELS", label: "Models" },
];
const GROUP_LABELS: Record<GroupBy, string> = { MODEL: "by model", SOURCE: "by source", DEPLOYMENT: "by deployment" };

/** A form's data types: chosen or not, each with its subgroup ("" = no grouping). */
type TypeChoice = Record<DataType, { on: boolean; groupBy: GroupBy | "" }>;

/** A subscription's types come back as stored (lower case, `assistants` an alias); the form uses the enum names. */
const STORED_TYPES: Partial<Record<string, DataType>> = {
  users: "USERS",
  agents: "AGENTS",
  assistants: "AGENTS",
  api_keys: "API_KEYS",
  projects: "PROJECTS",
  models: "MODELS",
};
const STORED_GROUPS: Partial<Record<string, GroupBy>> = { model: "MODEL", source: "SOURCE", deployment: "DEPLOYMENT" };

function initialTypes(sub: Subscription | null): TypeChoice {
  const off = () => ({ on: false, groupBy: "" as const });
  const choice: TypeChoice = { USERS: { on: !sub, groupBy: "" }, AGENTS: off(), API_KEYS: off(), PROJECTS: off(), MODELS: off() };
  for (const t of sub?.types ?? []) {
    const key = STORED_TYPES[t.dataType];
    if (key) choice[key] = { on: true, groupBy: (t.groupBy && STORED_GROUPS[t.groupBy]) || "" };
  }
  return choice;
}

/** The form's fields as edited (numbers and lists as typed in). */
interface FormFields {
  name: string;
  cadence: Subscription["cadence"];
  weekday: number;
  dayOfMonth: number;
  time: string;
  timezone: string;
  channel: Subscription["channel"];
  recipients: string;
  slackChannelId: string;
}

function timeZones(current: string[]): string[] {
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...new Set([...current, "UTC", ...all])].sort();
}

/** Creates a subscription, or edits one; every problem the server finds is listed in the form. */
export function SubscriptionForm({
  workspace,
  editing,
  onDone,
}: {
  workspace: Workspace;
  editing: Subscription | null;
  onDone: (saved: Subscription | null) => void;
}) {
  const [f, setF] = useState<FormFields>({
    name: editing?.name ?? "",
    cadence: editing?.cadence ?? "weekly",
    weekday: editing?.weekday ?? 1,
    dayOfMonth: editing?.dayOfMonth ?? 1,
    time: editing?.time ?? "09:00",
    timezone: editing?.timezone ?? workspace.timezone,
    channel: editing?.channel ?? "email",
    recipients: editing?.recipients.join(", ") ?? "",
    slackChannelId: editing?.slackChannelId ?? "",
  });
  const [types, setTypes] = useState(() => initialTypes(editing));
  const [problems, setProblems] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const zones = useMemo(() => timeZones([workspace.timezone, f.timezone]), []);
  const set = <K extends keyof typeof f>(key: K, value: (typeof f)[K]) => setF({ ...f, [key]: value });

  const submit = async (e: Event) => {
    e.preventDefault();
    const input: SubscriptionInput = {
      name: f.name,
      cadence: f.cadence,
      weekday: f.cadence === "weekly" ? Number(f.weekday) : null,
      dayOfMonth: f.cadence === "monthly" ? Number(f.dayOfMonth) : null,
      time: f.time,
      timezone: f.timezone,
      types: TYPES.filter((t) => types[t.value].on).map((t) => ({ dataType: t.value, groupBy: types[t.value].groupBy || null })),
      channel: f.channel,
      recipients: f.channel === "email" ? f.recipients.split(/[,;\s]+/).filter(Boolean) : null,
      slackChannelId: f.channel === "slack" ? f.slackChannelId : null,
    };
    setSaving(true);
    try {
      onDone(editing ? await updateSubscription(editing.id, input) : await createSubscription(input));
    } catch (error) {
      setProblems(error instanceof PageError && error.problems.length > 0 ? error.problems : [messageOf(error)]);
    } finally {
      setSaving(false);
    }
  };

  const heading = editing ? `Edit “${editing.name}”` : "New subscription";
  return (
    <form class="card subscription-form" onSubmit={submit} aria-labelledby="sub-form-title">
      <h2 id="sub-form-title">{heading}</h2>
      <div class="field">
        <label for="sub-name">Name</label>
        <input id="sub-name" required value={f.name} onInput={(e) => set("name", e.currentTarget.value)} />
      </div>
      <fieldset class="inline">
        <legend>Schedule</legend>
        <label class="choice">
          <input type="radio" name="cadence" checked={f.cadence === "weekly"} onChange={() => set("cadence", "weekly")} /> Weekly
        </label>
        <label class="choice">
          <input type="radio" name="cadence" checked={f.cadence === "monthly"} onChange={() => set("cadence", "monthly")} /> Monthly
        </label>
        {f.cadence === "weekly" ? (
          <span class="field">
            <label for="sub-weekday">On</label>
            <select id="sub-weekday" value={String(f.weekday)} onChange={(e) => set("weekday", Number(e.currentTarget.value))}>
              {WEEKDAYS.map((d, i) => (
                <option key={d} value={String(i)}>
                  {d}
                </option>
              ))}
            </select>
          </span>
        ) : (
          <span class="field">
            <label for="sub-day">Day of month</label>
            <input
              id="sub-day"
              type="number"
              min={1}
              max={31}
              value={f.dayOfMonth}
              onInput={(e) => set("dayOfMonth", Number(e.currentTarget.value))}
            />
          </span>
        )}
        <span class="field">
          <label for="sub-time">At</label>
          <input id="sub-time" type="time" required value={f.time} onInput={(e) => set("time", e.currentTarget.value)} />
        </span>
        <span class="field">
          <label for="sub-tz">Time zone</label>
          <select id="sub-tz" value={f.timezone} onChange={(e) => set("timezone", e.currentTarget.value)}>
            {zones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        </span>
      </fieldset>
      <fieldset>
        <legend>Data types</legend>
        {TYPES.map((t) => {
          const options = workspace.groupBy[t.value];
          const choice = types[t.value];
          return (
            <div class="type-row" key={t.value}>
              <label class="choice">
                <input
                  type="checkbox"
                  checked={choice.on}
                  onChange={(e) => setTypes({ ...types, [t.value]: { ...choice, on: e.currentTarget.checked } })}
                />
                {t.label}
              </label>
              {options.length > 0 && (
                <select
                  aria-label={`${t.label}: subgroup rows`}
                  value={choice.groupBy}
                  disabled={!choice.on}
                  onChange={(e) =>
                    setTypes({ ...types, [t.value]: { ...choice, groupBy: options.find((g) => g === e.currentTarget.value) ?? "" } })
                  }
                >
                  <GroupByOptions options={options} labels={GROUP_LABELS} />
                </select>
              )}
            </div>
          );
        })}
      </fieldset>
      <fieldset class="inline">
        <legend>Deliver by</legend>
        <label class="choice">
          <input type="radio" name="channel" checked={f.channel === "email"} onChange={() => set("channel", "email")} /> Email
        </label>
        <label class="choice">
          <input type="radio" name="channel" checked={f.channel === "slack"} onChange={() => set("channel", "slack")} /> Slack
        </label>
        {f.channel === "email" ? (
          <span class="field grow">
            <label for="sub-recipients">Recipients</label>
            <input
              id="sub-recipients"
              value={f.recipients}
              placeholder="cfo@example.com, ops@example.com"
              onInput={(e) => set("recipients", e.currentTarget.value)}
            />
          </span>
        ) : (
          <span class="field grow">
            <label for="sub-slack">Slack channel ID</label>
            <input
              id="sub-slack"
              value={f.slackChannelId}
              placeholder="C0123456789"
              onInput={(e) => set("slackChannelId", e.currentTarget.value)}
            />
          </span>
        )}
      </fieldset>
      {problems.length > 0 && (
        <div class="error" role="alert">
          <p>The subscription could not be saved:</p>
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
      <div class="actions">
        <button type="button" class="secondary" onClick={() => onDone(null)}>
          Cancel
        </button>
        <button type="submit" disabled={saving}>
          {saving ? "Saving…" : editing ? "Save changes" : "Create subscription"}
        </button>
      </div>
    </form>
  );
}
