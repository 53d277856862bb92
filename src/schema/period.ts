import type { Period } from "../periods/period.ts";
import { PRESETS } from "../periods/presets.ts";
import { builder } from "./builder.ts";
import { enumValues } from "./enum-values.ts";

export const PeriodPresetEnum = builder.enumType("PeriodPreset", { values: enumValues(PRESETS) });

export const DateInputRef = builder.inputType("DateInput", {
  description:
    "A date read as wall-clock time in `timezone`; any offset or Z on `date` is ignored. A plain `to` date includes its whole day.",
  fields: (t) => ({
    date: t.string({ required: true, description: "YYYY-MM-DD or YYYY-MM-DDTHH:mm:ss.sssZ" }),
    timezone: t.string({ required: true, description: "IANA time zone, e.g. Europe/Berlin" }),
  }),
});

export const PeriodInput = builder.inputType("PeriodInput", {
  description: "Either a preset (in the workspace's time zone unless `timezone` is given) or `from` and `to`.",
  fields: (t) => ({
    preset: t.field({ type: PeriodPresetEnum }),
    timezone: t.string(),
    from: t.field({ type: DateInputRef }),
    to: t.field({ type: DateInputRef }),
  }),
});

export const PeriodRef = builder.objectRef<Period>("Period").implement({
  description: "The resolved range: records with from <= occurredAt <= to count.",
  fields: (t) => ({
    startDate: t.field({ type: "Date", resolve: (p) => p.startDate }),
    endDate: t.field({ type: "Date", resolve: (p) => p.endDate }),
    from: t.field({ type: "DateTime", resolve: (p) => p.from }),
    to: t.field({ type: "DateTime", resolve: (p) => p.to }),
    timezone: t.exposeString("timezone"),
  }),
});
