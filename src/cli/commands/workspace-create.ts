import { createWorkspace, workspaceInputProblems } from "../../workspaces/create-workspace.ts";
import { ArgReader, relabelProblems } from "./args.ts";
import { defineCommand } from "./command.ts";

const LABELS = { name: "--name", timezone: "--timezone", firstWeekday: "--first-weekday" };

/** `workspace create --name N [--timezone TZ] [--byok] [--no-user-level-data] [--first-weekday 0-6]` */
export const workspaceCreate = defineCommand({
  name: "workspace create",
  parse(args) {
    const a = new ArgReader(args);
    const input = {
      name: a.string("name", { required: true }),
      timezone: a.string("timezone"),
      byok: a.flag("byok"),
      userLevelData: a.flagDefaultOn("userLevelData"),
      firstWeekday: a.int("firstWeekday", 0, 6),
    };
    // Every problem at once: the flags' own and the service's (a missing name is already among the flag problems).
    const problems = workspaceInputProblems(input).filter((p) => input.name !== "" || !p.startsWith("name "));
    a.check(relabelProblems(problems, LABELS));
    return input;
  },
  run: (app, input) => createWorkspace(app.db, input),
});
