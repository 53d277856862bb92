import { DateTime } from "luxon";
import type { DateInput } from "./period.ts";

/** The dialog's, GraphQL's and the CLI's named ranges. */
export const PRESETS = ["this_month", "last_month", "this_week", "last_week"] as const;
export type Preset = (typeof PRESETS)[number];

export interface PresetOptions {
  timezone: string;
  /** 0 = Sunday … 6 = Saturday. */
  firstWeekday: number;
  now?: Date;
}

/** Start of the week holding `dt`, for a week that begins on `firstWeekday`. */
export function startOfWeek(dt: DateTime, firstWeekday: number): DateTime {
  const weekday = dt.weekday % 7; // luxon: Monday 1 … Sunday 7 → Sunday 0
  return dt.startOf("day").minus({ days: (weekday - firstWeekday + 7) % 7 });
}

/**
 * A preset as whole calendar days in the workspace's time zone: this month and
 * this week run to their last day (later days simply hold no usage yet).
 */
export function presetRange(preset: Preset, opts: PresetOptions): { from: DateInput; to: DateInput } {
  const now = DateTime.fromJSDate(opts.now ?? new Date(), { zone: opts.timezone });
  let first: DateTime;
  let last: DateTime;
  switch (preset) {
    case "this_month":
      first = now.startOf("month");
      last = now.endOf("month");
      break;
    case "last_month":
      first = now.minus({ months: 1 }).startOf("month");
      last = first.endOf("month");
      break;
    case "this_week":
      first = startOfWeek(now, opts.firstWeekday);
      last = first.plus({ days: 6 });
      break;
    case "last_week":
      first = startOfWeek(now, opts.firstWeekday).minus({ days: 7 });
      last = first.plus({ days: 6 });
      break;
  }
  return {
    from: { date: first.toISODate()!, timezone: opts.timezone },
    to: { date: last.toISODate()!, timezone: opts.timezone },
  };
}
