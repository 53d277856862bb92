import { renormalizeModels } from "../../usage/rollups/renormalize-models.ts";
import { loadWorkspace, parseWorkspaceOnly } from "./args.ts";
import { defineCommand } from "./command.ts";

/**
 * `models renormalize --workspace ID` → `{ workspaceId, changed, renamed }`: normalized
 * model names recomputed from the raw ones with the current rules (MODEL_NAMES_FILE),
 * rollups rebuilt, in one transaction. Run where the database is: forwarded to a
 * server holding the embedded database, it uses (and from then on keeps) that server's rules.
 */
export const modelsRenormalize = defineCommand({
  name: "models renormalize",
  parse: parseWorkspaceOnly,
  async run(app, { workspaceId }) {
    await loadWorkspace(app, workspaceId);
    return { workspaceId, ...(await renormalizeModels(app.db, workspaceId)) };
  },
});
