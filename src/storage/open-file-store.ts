import { mkdir } from "node:fs/promises";
import { PRIVATE_DIR_MODE } from "../config/private-files.ts";
import type { Env } from "../config/env.ts";
import type { FileStore } from "./file-store.ts";
import { LocalDirectoryStore } from "./local-directory-store.ts";

/**
 * The store the configuration names: a local directory, EXPORT_STORAGE_DIR
 * (a volume several instances share) or else DATA_DIR/exports. Its root is made
 * here, so a folder the service can't create fails the start, not the first export.
 */
export async function openFileStore(env: Pick<Env, "exportStorageDir">): Promise<FileStore> {
  await mkdir(env.exportStorageDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  return new LocalDirectoryStore(env.exportStorageDir);
}
