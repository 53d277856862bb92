import { createWorkspace } from "../../workspaces/create-workspace.ts";
import { workspaceFields } from "../../workspaces/workspace-settings.ts";
import { defineCommand } from "./command.ts";
import { flag, on, onUnlessOff, text, wholeNumber } from "./flags.ts";

/**
 * `workspace create --name N [--first-weekday 0-6] [--timezone TZ] [--byok] [--no-user-level-data]`:
 * the name and time zone are checked by the workspace's own rules (src/workspaces/workspace-settings.ts).
 */
export const workspaceCreate = defineCommand({
  name: "workspace create",
  description: "Create a workspace and its first admin API key; prints { workspaceId, apiKey }",
  flags: {
    name: flag({ value: "<name>", help: "workspace name" }, text.pipe(workspaceFields.name)),
    firstWeekday: flag({ value: "<n>", help: "first day of the week, 0 = Sunday … 6 = Saturday" }, wholeNumber(0, 6).optional()),
    timezone: flag({ value: "<zone>", help: "IANA time zone for presets and reports (default UTC)" }, workspaceFields.timezone.optional()),
    byok: flag({ help: "the workspace brings its own model keys (adds the BYOK columns)" }, on),
    userLevelData: flag({ help: "leave names and emails out of exports", negated: true }, onUnlessOff),
  },
  run: (app, settings) => createWorkspace(app.db, settings),
});
