import { ACCESS_ROLES, createAccessKey, listAccessKeys, revokeAccessKey } from "../../auth/access-keys.ts";
import { ArgReader, loadWorkspace } from "./args.ts";
import type { CliCommand } from "./command.ts";

/** `keys create --workspace ID --role admin|export|ingest [--name N]` → `{ apiKey }` (shown once). */
export const keysCreate: CliCommand = {
  name: "keys create",
  async run(app, args) {
    const a = new ArgReader(args);
    const workspaceId = a.string("workspace", { required: true });
    const role = a.oneOf("role", ACCESS_ROLES);
    const name = a.string("name");
    a.check();
    await loadWorkspace(app, workspaceId);
    const { apiKey } = await createAccessKey(app.db, { workspaceId, role, name });
    return { apiKey };
  },
};

/** `keys list --workspace ID` → the workspace's keys, without secrets. */
export const keysList: CliCommand = {
  name: "keys list",
  async run(app, args) {
    const a = new ArgReader(args);
    const workspaceId = a.string("workspace", { required: true });
    a.check();
    // An unknown workspace is an error, not an empty list: a typo should not look like "no keys".
    await loadWorkspace(app, workspaceId);
    return listAccessKeys(app.db, workspaceId);
  },
};

/** `keys revoke --workspace ID --key KEY_ID` → the revoked key. */
export const keysRevoke: CliCommand = {
  name: "keys revoke",
  async run(app, args) {
    const a = new ArgReader(args);
    const workspaceId = a.string("workspace", { required: true });
    const keyId = a.string("key", { required: true });
    a.check();
    await loadWorkspace(app, workspaceId);
    return revokeAccessKey(app.db, workspaceId, keyId);
  },
};
