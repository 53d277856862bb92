import type { AppContext } from "../src/context.ts";
import { buildDeliverers } from "../src/reports/delivery/build-deliverer.ts";
import type { Deliverers } from "../src/reports/deliver-run.ts";
import { processDueRuns } from "../src/reports/process-due-runs.ts";
import type { Job } from "./job.ts";

// One set of SMTP/Slack clients per app (the SMTP transport pools connections).
const deliverersByApp = new WeakMap<AppContext, Deliverers>();

export const deliverReportsJob: Job = {
  name: "deliver-reports",
  // Every minute: a subscription's HH:MM is met within a minute, and missed runs are caught up.
  schedule: "* * * * *",
  run: (app) => {
    let deliverers = deliverersByApp.get(app);
    if (!deliverers) deliverersByApp.set(app, (deliverers = buildDeliverers(app.env)));
    return processDueRuns(app, deliverers);
  },
};
