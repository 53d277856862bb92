import { ACCESS_ROLES, createAccessKey, listAccessKeys, revokeAccessKey } from "../../auth/access-keys.ts";
import { ArgReader, loadWorkspace, parseWorkspaceOnly } from "./args.ts";
import { defineCommand } from "./command.ts";

/** `keys create --workspace ID --role admin|export|ingest [--name N]` → `{ apiKey }` (shown once). */
export const keysCreate = defineCommand({
  name: "keys create",
  parse(args) {
    const a = new ArgReader(args);
    const input = { workspaceId: a.string("workspace", { required: true }), role: a.oneOf("role", ACCESS_ROLES), name: a.string("name") };
    a.check();
    return input;
  },
  async run(app, input) {
    await loadWorkspace(app, input.workspaceId);
    const { apiKey } = await createAccessKey(app.db, input);
    return { apiKey };
  },
});

/** `keys list --workspace ID` → the workspace's keys, without secrets. */
export const keysList = defineCommand({
  name: "keys list",
  parse: parseWorkspaceOnly,
  async run(app, { workspaceId }) {
    // An unknown workspace is an error, not an empty list: a typo should not look like "no keys".
    await loadWorkspace(app, workspaceId);
    return listAccessKeys(app.db, workspaceId);
  },
});

/** `keys revoke --workspace ID --key KEY_ID` → the revoked key. */
export const keysRevoke = defineCommand({
  name: "keys revoke",
  parse(args) {
    const a = new ArgReader(args);
    const input = { workspaceId: a.string("workspace", { required: true }), keyId: a.string("key", { required: true }) };
    a.check();
    return input;
  },
  async run(app, { workspaceId, keyId }) {
    await loadWorkspace(app, workspaceId);
    return revokeAccessKey(app.db, workspaceId, keyId);
  },
});
