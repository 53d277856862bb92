import type { Subscription } from "./api.ts";

export const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const TYPE_LABELS: Record<string, string> = {
  users: "Users",
  agents: "Agents",
  assistants: "Agents",
  api_keys: "API keys",
  projects: "Projects",
  models: "Models",
};

/** "Weekly on Monday at 09:00 (Europe/Berlin)" */
export function describeSchedule(s: Pick<Subscription, "cadence" | "weekday" | "dayOfMonth" | "time" | "timezone">): string {
  const when =
    s.cadence === "weekly"
      ? `Weekly on ${WEEKDAYS[s.weekday ?? 0]}`
      : `Monthly on day ${s.dayOfMonth}${(s.dayOfMonth ?? 0) > 28 ? " (or the month's last day)" : ""}`;
  return `${when} at ${s.time} (${s.timezone})`;
}

/** "Users, Models by source" */
export const describeTypes = (s: Pick<Subscription, "types">) =>
  s.types.map((t) => `${TYPE_LABELS[t.dataType] ?? t.dataType}${t.groupBy ? ` by ${t.groupBy}` : ""}`).join(", ");

/** "Email to a@x.io, b@x.io" or "Slack channel C0123" */
export const describeChannel = (s: Pick<Subscription, "channel" | "recipients" | "slackChannelId">) =>
  s.channel === "email" ? `Email to ${s.recipients.join(", ")}` : `Slack channel ${s.slackChannelId ?? ""}`;
