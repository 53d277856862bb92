import { expect, test } from "vitest";
import { z } from "zod";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

const db = await testDatabase();
// The default budget: 60 exports per key per minute.
const url = await startTestServer(testApp(db, { now: FIXTURE_NOW }));
await createSmallWorkspace(db, { id: "ws_x" });
const key = async () => (await createAccessKey(db, { workspaceId: "ws_x", role: "export" })).apiKey;

const rest = (apiKey: string) =>
  fetch(`${url}/export/models`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify(FIXTURE_PERIOD),
  });
const CREATE = `mutation($input: CreateExportInput!) { createExport(input: $input) {
  ... on AppError { code message problems }
  ... on MutationCreateExportSuccess { data { recordCount } }
} }`;
const viaGraphQL = (apiKey: string) => graphql(url, apiKey, CREATE, { input: { dataType: "MODELS", period: FIXTURE_PERIOD } });

test("REST and GraphQL exports share one per-key budget: the 61st in a minute, made through GraphQL, is RATE_LIMITED", async () => {
  const apiKey = await key();
  for (let i = 0; i < 30; i++) {
    const res = await rest(apiKey);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const { status, body } = await viaGraphQL(apiKey);
    expect([status, body.data.createExport.data?.recordCount]).toEqual([200, expect.any(Number)]);
  }

  const limited = await viaGraphQL(apiKey);
  expect(limited.status).toBe(200);
  expect(limited.body.errors).toBeUndefined();
  expect(limited.body.data.createExport).toEqual({
    code: "RATE_LIMITED",
    message: expect.stringMatching(/^Rate limit of 60 export requests per minute exceeded for this API key; retry after \d+ seconds$/),
    problems: [expect.any(String)],
  });

  // And REST, which counted the GraphQL exports, is refused as well.
  const restLimited = await rest(apiKey);
  expect(restLimited.status).toBe(429);
  expect(Number(restLimited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

  // Another key of the workspace has its own budget.
  expect((await viaGraphQL(await key())).body.data.createExport.data.recordCount).toEqual(expect.any(Number));
});

/** The `__typename` of each aliased field of a GraphQL answer's data, in order. */
const typenames = (data: unknown) =>
  Object.values(z.record(z.string(), z.object({ __typename: z.string() })).parse(data)).map((r) => r.__typename);

test("aliases cannot multiply one request's exports past the budget", async () => {
  const apiKey = await key();
  const many = Array.from({ length: 40 }, (_, i) => `e${i}: createExport(input: $input) { __typename }`).join(" ");
  const run = () =>
    graphql(url, apiKey, `mutation($input: CreateExportInput!) { ${many} }`, { input: { dataType: "MODELS", period: FIXTURE_PERIOD } });
  const first = await run();
  expect(typenames(first.body.data).every((t) => t === "MutationCreateExportSuccess")).toBe(true);
  const kinds = typenames((await run()).body.data);
  expect(kinds.filter((k) => k === "MutationCreateExportSuccess")).toHaveLength(20);
  expect(kinds.filter((k) => k === "AppError")).toHaveLength(20);
});
