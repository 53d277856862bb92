import { createHash } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { authenticate, createAccessKey, listAccessKeys, revokeAccessKey } from "../../src/auth/access-keys.ts";
import { can, requireCapability, type Capability } from "../../src/auth/permissions.ts";
import type { Database } from "../../src/db/client.ts";
import { AppError } from "../../src/errors/app-error.ts";
import { createWorkspace } from "../../src/workspaces/create-workspace.ts";
import { testDatabase } from "../helpers/database.ts";

let db: Database;
let ws: string;
let other: string;

beforeAll(async () => {
  db = await testDatabase();
  ws = (await createWorkspace(db, { name: "Keys Inc" })).workspaceId;
  other = (await createWorkspace(db, { name: "Other Inc" })).workspaceId;
});

/** The AppError a promise rejects with, as `CODE: message`. */
async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error("expected an AppError");
}

describe("access keys", () => {
  test("a new key is ue_ plus 40 base62 characters, stored only as its SHA-256 and a 10-character prefix", async () => {
    const { id, apiKey } = await createAccessKey(db, { workspaceId: ws, role: "export", name: "BI tool" });
    expect(apiKey).toMatch(/^ue_[0-9A-Za-z]{40}$/);
    const row = await db.prisma.accessKey.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      workspaceId: ws,
      name: "BI tool",
      role: "export",
      hash: createHash("sha256").update(apiKey).digest("hex"),
      prefix: apiKey.slice(0, 10),
      revokedAt: null,
    });
    expect(JSON.stringify(row)).not.toContain(apiKey.slice(10));
  });

  test("two keys never share a secret", async () => {
    const a = await createAccessKey(db, { workspaceId: ws, role: "ingest" });
    const b = await createAccessKey(db, { workspaceId: ws, role: "ingest" });
    expect(a.apiKey).not.toBe(b.apiKey);
    expect(a.id).not.toBe(b.id);
  });

  test("a key for an unknown workspace is refused with 404", async () => {
    expect(await failure(createAccessKey(db, { workspaceId: "ws_missing", role: "admin" }))).toBe(
      'NOT_FOUND: Workspace "ws_missing" not found',
    );
  });

  test("authenticate returns the key and its workspace, with any case of the Bearer scheme", async () => {
    const { id, apiKey } = await createAccessKey(db, { workspaceId: ws, role: "ingest" });
    const { key, workspace } = await authenticate(db, `bearer ${apiKey}`);
    expect([key.id, key.role, workspace.id, workspace.name]).toEqual([id, "ingest", ws, "Keys Inc"]);
  });

  test("authenticate names each way of failing", async () => {
    const { id, apiKey } = await createAccessKey(db, { workspaceId: ws, role: "export" });
    await revokeAccessKey(db, ws, id);
    expect(await failure(authenticate(db, undefined))).toBe('UNAUTHORIZED: Missing API key: send the header "Authorization: Bearer <key>"');
    expect(await failure(authenticate(db, "  "))).toBe('UNAUTHORIZED: Missing API key: send the header "Authorization: Bearer <key>"');
    const malformed = 'UNAUTHORIZED: Malformed Authorization header: expected "Bearer <key>"';
    expect(await failure(authenticate(db, `Basic ${apiKey}`))).toBe(malformed);
    expect(await failure(authenticate(db, "Bearer"))).toBe(malformed);
    expect(await failure(authenticate(db, `Bearer ${apiKey} extra`))).toBe(malformed);
    expect(await failure(authenticate(db, "Bearer ue_notarealkey"))).toBe("UNAUTHORIZED: Invalid API key");
    expect(await failure(authenticate(db, `Bearer ${apiKey}`))).toBe("UNAUTHORIZED: This API key has been revoked");
  });

  test("listing shows every key of the workspace without secret or hash", async () => {
    const fresh = (await createWorkspace(db, { name: "List Co" })).workspaceId;
    const { id } = await createAccessKey(db, { workspaceId: fresh, role: "ingest", name: "Pipeline" });
    const keys = await listAccessKeys(db, fresh);
    expect(keys.map((k) => Object.keys(k).sort())).toEqual([
      ["createdAt", "id", "name", "prefix", "revokedAt", "role"],
      ["createdAt", "id", "name", "prefix", "revokedAt", "role"],
    ]);
    expect(keys.map((k) => [k.name, k.role])).toEqual([
      ["Initial admin key", "admin"],
      ["Pipeline", "ingest"],
    ]);
    expect(keys[1]!.id).toBe(id);
  });

  test("revoking is idempotent and keeps the first revocation time", async () => {
    const { id } = await createAccessKey(db, { workspaceId: ws, role: "export" });
    const first = await revokeAccessKey(db, ws, id);
    const second = await revokeAccessKey(db, ws, id);
    expect(first.revokedAt).toBeInstanceOf(Date);
    expect(second.revokedAt).toEqual(first.revokedAt);
  });

  test("a key cannot be revoked through another workspace, nor an unknown key", async () => {
    const { id } = await createAccessKey(db, { workspaceId: ws, role: "export" });
    expect(await failure(revokeAccessKey(db, other, id))).toBe(`NOT_FOUND: API key "${id}" not found in workspace "${other}"`);
    expect(await failure(revokeAccessKey(db, ws, "key_unknown"))).toBe(`NOT_FOUND: API key "key_unknown" not found in workspace "${ws}"`);
    expect((await db.prisma.accessKey.findUniqueOrThrow({ where: { id } })).revokedAt).toBeNull();
  });
});

describe("permissions", () => {
  test("each role may do exactly what the capability table says", () => {
    const capabilities: Capability[] = ["query", "export", "ingest", "manage"];
    const table = Object.fromEntries(
      (["admin", "export", "ingest"] as const).map((role) => [role, capabilities.filter((c) => can(role, c))]),
    );
    expect(table).toEqual({
      admin: ["query", "export", "ingest", "manage"],
      export: ["query", "export"],
      ingest: ["ingest"],
    });
  });

  test("a refused capability is a 403 naming the role and what it may not do", () => {
    const message = (role: "export" | "ingest", capability: Capability) => {
      try {
        requireCapability({ role }, capability);
      } catch (error) {
        return error instanceof AppError ? `${error.status} ${error.message}` : String(error);
      }
      return "allowed";
    };
    expect(message("ingest", "export")).toBe('403 This API key\'s role "ingest" may not export');
    expect(message("ingest", "query")).toBe('403 This API key\'s role "ingest" may not query usage');
    expect(message("export", "ingest")).toBe('403 This API key\'s role "export" may not ingest records');
    expect(message("export", "manage")).toBe('403 This API key\'s role "export" may not manage the workspace');
    expect(message("export", "export")).toBe("allowed");
  });
});
