import { DateTime } from "luxon";
import { historyLimit } from "../periods/period.ts";
import { builder } from "./builder.ts";

// The dates a custom range may span, decided where the 12-month rule is enforced,
// so the page's date pickers never offer what the server would refuse.
builder.prismaObjectFields("Workspace", (t) => ({
  today: t.field({
    type: "Date",
    description: "Today's date in the workspace's time zone.",
    resolve: (w, _args, ctx) => DateTime.fromJSDate(ctx.app.now(), { zone: w.timezone }).toISODate()!,
  }),
  historyStart: t.field({
    type: "Date",
    description: "The earliest date a period may start on in the workspace's time zone (12 months before today).",
    resolve: (w, _args, ctx) => historyLimit(ctx.app.now(), w.timezone).toISODate()!,
  }),
}));
