import { renormalizeModels } from "../../usage/rollups/renormalize-models.ts";
import { defineWorkspaceCommand } from "./command.ts";

/**
 * `models renormalize --workspace ID` → `{ workspaceId, changed, renamed }`: normalized
 * model names recomputed from the raw ones with the current rules (MODEL_NAMES_FILE),
 * rollups rebuilt, in one transaction. Run where the database is: forwarded to a
 * server holding the embedded database, it uses (and from then on keeps) that server's rules.
 */
export const modelsRenormalize = defineWorkspaceCommand({
  name: "models renormalize",
  description: "Recompute normalized model names from the raw ones with the current rules (MODEL_NAMES_FILE) and rebuild the rollups",
  flags: {},
  async run(app, workspace) {
    return { workspaceId: workspace.id, ...(await renormalizeModels(app.db, workspace.id)) };
  },
});
