import { describe, expect, test } from "vitest";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

const db = await testDatabase();
const url = await startTestServer(testApp(db));
for (const id of ["ws_k1", "ws_k2"]) await db.prisma.workspace.create({ data: { id, name: id } });
const admin1 = (await createAccessKey(db, { workspaceId: "ws_k1", role: "admin", name: "root" })).apiKey;
const admin2 = (await createAccessKey(db, { workspaceId: "ws_k2", role: "admin" })).apiKey;

const CREATE = `mutation($input: CreateAccessKeyInput!) { createAccessKey(input: $input) {
  ... on AppError { code message } ... on MutationCreateAccessKeySuccess { data { apiKey key { id name role prefix revokedAt } } } } }`;
const REVOKE = `mutation($id: ID!) { revokeAccessKey(id: $id) {
  ... on AppError { code message } ... on MutationRevokeAccessKeySuccess { data { id revokedAt } } } }`;
const LIST = `{ accessKeys { ... on AppError { code message } ... on QueryAccessKeysSuccess { data { name role prefix revokedAt } } } }`;

describe("API keys over GraphQL", () => {
  test("an admin creates a key; its secret is shown once and works; the list never shows it", async () => {
    const created = (await graphql(url, admin1, CREATE, { input: { role: "export", name: "BI tool" } })).body.data.createAccessKey.data;
    expect(created.apiKey).toMatch(/^ue_[A-Za-z0-9]{40}$/);
    expect(created.key).toMatchObject({ name: "BI tool", role: "export", prefix: created.apiKey.slice(0, 10), revokedAt: null });
    expect((await graphql(url, created.apiKey, "{ workspace { id } }")).body.data.workspace.id).toBe("ws_k1");
    const list = (await graphql(url, admin1, LIST)).body.data.accessKeys.data;
    expect(list).toEqual([
      { name: "root", role: "admin", prefix: admin1.slice(0, 10), revokedAt: null },
      { name: "BI tool", role: "export", prefix: created.apiKey.slice(0, 10), revokedAt: null },
    ]);
    expect(JSON.stringify(list)).not.toContain(created.apiKey);
  });

  test("a revoked key is refused with 401 at once", async () => {
    const created = (await graphql(url, admin1, CREATE, { input: { role: "ingest" } })).body.data.createAccessKey.data;
    const revoked = (await graphql(url, admin1, REVOKE, { id: created.key.id })).body.data.revokeAccessKey.data;
    expect(revoked.id).toBe(created.key.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect(await graphql(url, created.apiKey, "{ __typename }")).toEqual({
      status: 401,
      body: { error: "Unauthorized", message: "This API key has been revoked" },
    });
  });

  test("one workspace's admin cannot revoke, or even see, another workspace's keys", async () => {
    const other = (await graphql(url, admin1, CREATE, { input: { role: "export" } })).body.data.createAccessKey.data;
    expect((await graphql(url, admin2, REVOKE, { id: other.key.id })).body.data.revokeAccessKey).toEqual({
      code: "NOT_FOUND",
      message: `API key "${other.key.id}" not found in workspace "ws_k2"`,
    });
    expect((await graphql(url, admin2, LIST)).body.data.accessKeys.data.map((k: { name: string }) => k.name)).toEqual(["admin key"]);
  });

  test("only admin keys manage keys", async () => {
    const exporter = (await createAccessKey(db, { workspaceId: "ws_k1", role: "export" })).apiKey;
    expect((await graphql(url, exporter, LIST)).body.data.accessKeys).toEqual({
      code: "FORBIDDEN",
      message: 'This API key\'s role "export" may not manage the workspace',
    });
    expect((await graphql(url, exporter, CREATE, { input: { role: "admin" } })).body.data.createAccessKey.code).toBe("FORBIDDEN");
  });
});
