import { DateTime } from "luxon";
import { isValidTimezone, timeZoneProblem } from "../../periods/time-zone.ts";
import { presetRange } from "../../periods/presets.ts";
import type { DateInput } from "../../periods/period.ts";

/** When a subscription runs, in its own time zone. */
type Cadence =
  | { kind: "weekly" /** 0 = Sunday … 6 = Saturday */; weekday: number /** HH:MM */; time: string }
  | { kind: "monthly" /** 1 … 31; past a month's end it runs on the month's last day */; dayOfMonth: number; time: string };

export interface ReportSchedule {
  cadence: Cadence;
  timezone: string;
  /** The workspace's first weekday: which 7 days make "the previous full week". */
  firstWeekday: number;
}

export interface ReportRunSlot {
  /** The instant the run is due. */
  runAt: Date;
  /** The previous full week or month at `runAt`, in the schedule's time zone. */
  period: { from: DateInput; to: DateInput };
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MAX_SLOTS = 1_000;

/** Problems with a schedule, each naming its field (empty when it is usable). */
export function scheduleProblems(s: ReportSchedule): string[] {
  const problems: string[] = [];
  if (!TIME.test(s.cadence.time)) problems.push(`time "${s.cadence.time}" must be HH:MM (24-hour)`);
  if (s.cadence.kind === "weekly" && !(Number.isInteger(s.cadence.weekday) && s.cadence.weekday >= 0 && s.cadence.weekday <= 6))
    problems.push("weekday must be 0 (Sunday) to 6 (Saturday)");
  if (s.cadence.kind === "monthly" && !(Number.isInteger(s.cadence.dayOfMonth) && s.cadence.dayOfMonth >= 1 && s.cadence.dayOfMonth <= 31))
    problems.push("dayOfMonth must be 1 to 31");
  if (!isValidTimezone(s.timezone)) problems.push(`timezone ${timeZoneProblem(s.timezone)}`);
  return problems;
}

/**
 * The local run time in the period (week or month) holding `day`. Wall-clock
 * times skipped by a DST change run at the first instant after the gap; times
 * that occur twice run at the first of them (luxon's rules).
 */
function runInPeriodOf(day: DateTime, s: ReportSchedule): DateTime {
  const [hour = 0, minute = 0] = s.cadence.time.split(":").map(Number);
  if (s.cadence.kind === "weekly") {
    const offset = (s.cadence.weekday - (day.weekday % 7) + 7) % 7;
    const date = day.startOf("day").plus({ days: offset - 7 * (offset > 0 ? 1 : 0) });
    return DateTime.fromObject({ year: date.year, month: date.month, day: date.day, hour, minute }, { zone: s.timezone });
  }
  const date = day.startOf("month");
  const dom = Math.min(s.cadence.dayOfMonth, date.daysInMonth!);
  return DateTime.fromObject({ year: date.year, month: date.month, day: dom, hour, minute }, { zone: s.timezone });
}

function step(s: ReportSchedule): { weeks: number } | { months: number } {
  return s.cadence.kind === "weekly" ? { weeks: 1 } : { months: 1 };
}

/** The run instants after `after` (exclusive), at most `count` of them: a subscription's preview. */
export function nextRunTimes(s: ReportSchedule, after: Date, count: number): Date[] {
  const start = DateTime.fromJSDate(after, { zone: s.timezone });
  const out: Date[] = [];
  // Begin one period back, so a run earlier in the current week/month is seen and skipped.
  let cursor = start.minus(step(s));
  for (let i = 0; out.length < count && i < count + 3; i++, cursor = cursor.plus(step(s))) {
    const run = runInPeriodOf(cursor, s);
    if (run.toMillis() > after.getTime()) out.push(run.toJSDate());
  }
  return out;
}

/**
 * Every run due in (`since`, `now`], oldest first, each with the period it
 * covers — so runs missed during downtime are all found on restart. Bounded:
 * at most 1,000 slots; older ones are picked up by the next call.
 */
export function dueRuns(s: ReportSchedule, since: Date, now: Date): ReportRunSlot[] {
  const slots: ReportRunSlot[] = [];
  let after = since;
  while (slots.length < MAX_SLOTS) {
    const [next] = nextRunTimes(s, after, 1);
    if (!next || next.getTime() > now.getTime()) break;
    slots.push({ runAt: next, period: reportPeriod(s, next) });
    after = next;
  }
  return slots;
}

/** The previous full week or month at `runAt`: the same presets the Export dialog offers. */
export function reportPeriod(s: ReportSchedule, runAt: Date): { from: DateInput; to: DateInput } {
  return presetRange(s.cadence.kind === "weekly" ? "last_week" : "last_month", {
    timezone: s.timezone,
    firstWeekday: s.firstWeekday,
    now: runAt,
  });
}
