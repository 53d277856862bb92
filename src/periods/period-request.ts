import { badRequest } from "../errors/app-error.ts";
import { resolvePeriod, type DateInput, type Period } from "./period.ts";
import { presetRange, type Preset } from "./presets.ts";
import { isValidTimezone, timeZoneProblem } from "./time-zone.ts";

/** A period as GraphQL, the CLI and the page ask for it: a preset, or a custom range. */
export interface PeriodRequest {
  preset?: Preset | null;
  /** For presets: the zone whose calendar is used (default: the workspace's). */
  timezone?: string | null;
  from?: DateInput | null;
  to?: DateInput | null;
}

export function resolvePeriodRequest(request: PeriodRequest, workspace: { timezone: string; firstWeekday: number }, now: Date): Period {
  if (request.preset) {
    if (request.from || request.to) throw badRequest("period: give either a preset or from and to, not both");
    const timezone = request.timezone ?? workspace.timezone;
    if (!isValidTimezone(timezone)) throw badRequest(`period.timezone ${timeZoneProblem(timezone)}`);
    const range = presetRange(request.preset, {
      timezone,
      firstWeekday: workspace.firstWeekday,
      now,
    });
    return resolvePeriod(range.from, range.to, now);
  }
  return resolvePeriod(request.from, request.to, now);
}
