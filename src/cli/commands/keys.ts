import { ACCESS_ROLES, createAccessKey, listAccessKeys, revokeAccessKey } from "../../auth/access-keys.ts";
import { defineWorkspaceCommand } from "./command.ts";
import { flag, oneOf, text } from "./flags.ts";

/** `keys create --workspace ID --role admin|export|ingest [--name N]` → `{ apiKey }` (shown once). */
export const keysCreate = defineWorkspaceCommand({
  name: "keys create",
  description: "Create an API key; prints { apiKey } (shown only this once)",
  flags: {
    role: flag({ value: "<role>", help: ACCESS_ROLES.join(", ") }, oneOf(ACCESS_ROLES)),
    name: flag({ value: "<name>", help: "a label for the key" }, text.optional()),
  },
  async run(app, workspace, { role, name }) {
    const { apiKey } = await createAccessKey(app.db, { workspaceId: workspace.id, role, name });
    return { apiKey };
  },
});

/** `keys list --workspace ID` → the workspace's keys, without secrets. */
export const keysList = defineWorkspaceCommand({
  name: "keys list",
  description: "List a workspace's keys (without secrets)",
  flags: {},
  // An unknown workspace is an error (404), not an empty list: a typo should not look like "no keys".
  async run(app, workspace) {
    return listAccessKeys(app.db, workspace.id);
  },
});

/** `keys revoke --workspace ID --key KEY_ID` → the revoked key. */
export const keysRevoke = defineWorkspaceCommand({
  name: "keys revoke",
  description: "Revoke a key",
  flags: { key: flag({ value: "<keyId>", help: "the key's id, as `keys list` shows it" }, text) },
  async run(app, workspace, { key: keyId }) {
    return revokeAccessKey(app.db, workspace.id, keyId);
  },
});
