import { AppError } from "../errors/app-error.ts";
import type { Database } from "../db/client.ts";
import { Prisma, type AccessKey, type Workspace } from "../generated/prisma/client.ts";
import { toWorkspace, WORKSPACE_COLUMNS, type WorkspaceColumns } from "../workspaces/workspace-row.ts";
import type { AccessRole } from "../generated/prisma/enums.ts";
import { hashApiKey, newAccessKey } from "./secrets/key-secrets.ts";

export const ACCESS_ROLES = ["admin", "export", "ingest"] as const satisfies readonly AccessRole[];

export async function createAccessKey(
  db: Database,
  input: { workspaceId: string; role: AccessRole; name?: string },
): Promise<{ id: string; apiKey: string }> {
  if (!ACCESS_ROLES.includes(input.role))
    throw new AppError("BAD_REQUEST", `role "${input.role}" is not one of ${ACCESS_ROLES.join(", ")}`);
  const workspace = await db.prisma.workspace.findUnique({ where: { id: input.workspaceId }, select: { id: true } });
  if (!workspace) throw new AppError("NOT_FOUND", `Workspace "${input.workspaceId}" not found`);
  const { apiKey, row } = newAccessKey(input.role, input.name);
  await db.prisma.accessKey.create({ data: { ...row, workspaceId: input.workspaceId } });
  return { id: row.id, apiKey };
}

/** A key was sent and is not a live key (unknown or revoked): what key guessing runs into. */
export class RefusedKeyError extends AppError {
  constructor(message: string) {
    super("UNAUTHORIZED", message);
  }
}

/**
 * The key and workspace behind an `Authorization: Bearer <key>` header. Each way
 * of failing has its own message, so a caller can tell a typo from a revocation.
 */
export async function authenticate(
  db: Database,
  authorizationHeader: string | undefined,
): Promise<{ key: AccessKey; workspace: Workspace }> {
  if (!authorizationHeader || authorizationHeader.trim() === "")
    throw new AppError("UNAUTHORIZED", 'Missing API key: send the header "Authorization: Bearer <key>"');
  // The scheme is case-insensitive (RFC 7235); the key itself is not.
  const match = /^Bearer +(\S+)\s*$/i.exec(authorizationHeader.trim());
  if (!match?.[1]) throw new AppError("UNAUTHORIZED", 'Malformed Authorization header: expected "Bearer <key>"');
  // On the driver, not Prisma: this runs on every request (see src/workspaces/workspace-row.ts).
  const [row] = await db.read<KeyColumns & WorkspaceColumns>(
    Prisma.sql`
    select k.id, k.workspace_id, k.name, k.role::text as role, k.hash, k.prefix, k.created_at, k.revoked_at, ${WORKSPACE_COLUMNS}
    from access_keys k join workspaces w on w.id = k.workspace_id
    where k.hash = ${hashApiKey(match[1])}`,
    { statement: "authenticate-key" },
  );
  if (!row) throw new RefusedKeyError("Invalid API key");
  if (row.revoked_at) throw new RefusedKeyError("This API key has been revoked");
  const key: AccessKey = {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    role: row.role,
    hash: row.hash,
    prefix: row.prefix,
    createdAt: new Date(row.created_at),
    revokedAt: null,
  };
  return { key, workspace: toWorkspace(row) };
}

interface KeyColumns {
  id: string;
  workspace_id: string;
  name: string;
  role: AccessRole;
  hash: string;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

/** What a listing shows of a key: never the secret nor its hash. */
export interface AccessKeySummary {
  id: string;
  name: string;
  role: AccessRole;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export const summaryFields = { id: true, name: true, role: true, prefix: true, createdAt: true, revokedAt: true } as const;

export async function listAccessKeys(db: Database, workspaceId: string): Promise<AccessKeySummary[]> {
  return db.prisma.accessKey.findMany({
    where: { workspaceId },
    select: summaryFields,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
}

/** Revokes a key of the workspace. Revoking an already revoked key keeps its first revocation time. */
export async function revokeAccessKey(db: Database, workspaceId: string, keyId: string): Promise<AccessKeySummary> {
  const key = await db.prisma.accessKey.findFirst({ where: { id: keyId, workspaceId }, select: summaryFields });
  // A key of another workspace is reported exactly like an unknown one: ids are not secrets, but membership is.
  if (!key) throw new AppError("NOT_FOUND", `API key "${keyId}" not found in workspace "${workspaceId}"`);
  if (key.revokedAt) return key;
  return db.prisma.accessKey.update({ where: { id: keyId }, data: { revokedAt: new Date() }, select: summaryFields });
}
