import "./scalars.ts";
import "./errors.ts";
import "./period.ts";
import "./workspace.ts";
import "./workspace-calendar.ts";
import "./users.ts";
import "./agents.ts";
import "./api-keys.ts";
import "./projects.ts";
import "./models.ts";
import "./exports.ts";
import "./export-jobs.ts";
import "./access-keys.ts";
import "./report-subscriptions.ts";
import "./usage-overview.ts";
import "./usage-time-series.ts";
import { builder } from "./builder.ts";

export const schema = builder.toSchema({ sortSchema: false });
