import { createWorkspace } from "../../workspaces/create-workspace.ts";
import { ArgReader, relabel } from "./args.ts";
import type { CliCommand } from "./command.ts";

/** `workspace create --name N [--timezone TZ] [--byok] [--no-user-level-data] [--first-weekday 0-6]` */
export const workspaceCreate: CliCommand = {
  name: "workspace create",
  async run(app, args) {
    const a = new ArgReader(args);
    const input = {
      name: a.string("name", { required: true }),
      timezone: a.string("timezone"),
      byok: a.flag("byok"),
      userLevelData: a.flagDefaultOn("userLevelData"),
      firstWeekday: a.int("firstWeekday", 0, 6),
    };
    a.check();
    try {
      return await createWorkspace(app.db, input);
    } catch (error) {
      throw relabel(error, { name: "--name", timezone: "--timezone", firstWeekday: "--first-weekday" });
    }
  },
};
