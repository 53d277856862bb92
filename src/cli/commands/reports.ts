import { buildDeliverers } from "../../reports/delivery/build-deliverer.ts";
import { processDueRuns } from "../../reports/process-due-runs.ts";
import { ArgReader } from "./args.ts";
import { defineCommand } from "./command.ts";

/** `reports run-due [--now ISO]`: delivers every report due at that instant, then exits. */
export const reportsRunDue = defineCommand({
  name: "reports run-due",
  parse(args) {
    const a = new ArgReader(args);
    const text = a.string("now");
    const now = text === undefined ? null : new Date(text);
    if (now && Number.isNaN(now.getTime())) a.problem(`--now "${text}" is not an ISO 8601 date-time`);
    a.check();
    return { now };
  },
  async run(app, { now }) {
    const at = now ?? app.now();
    const deliverers = buildDeliverers(app.env);
    try {
      return await processDueRuns({ ...app, now: () => at }, deliverers);
    } finally {
      deliverers.email?.close();
    }
  },
});
