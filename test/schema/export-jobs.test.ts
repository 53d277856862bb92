import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

// GraphQL createExportJob and exportJob: the job's file equals createExport's,
// idempotency keys, and another workspace's job is NOT_FOUND.

const db = await testDatabase();
const app = testApp(db, { now: FIXTURE_NOW });
const url = await startTestServer(app);
await createSmallWorkspace(db, { id: "ws_a", byok: true });
await createSmallWorkspace(db, { id: "ws_b" });
const exportA = (await createAccessKey(db, { workspaceId: "ws_a", role: "export" })).apiKey;
const exportB = (await createAccessKey(db, { workspaceId: "ws_b", role: "export" })).apiKey;

const CREATE = `mutation($input: CreateExportJobInput!) { createExportJob(input: $input) {
  ... on AppError { code message }
  ... on MutationCreateExportJobSuccess { data { jobId status } }
} }`;
const READ = `query($id: String!) { exportJob(id: $id) {
  ... on AppError { code message }
  ... on QueryExportJobSuccess { data {
    jobId status dataType rowsWritten finishedAt error { error message }
    result { filePath downloadUrl dataType recordCount dateRange { from to } }
  } }
} }`;
const CREATE_EXPORT = `mutation($input: CreateExportInput!) { createExport(input: $input) {
  ... on MutationCreateExportSuccess { data { filePath recordCount } }
} }`;

async function finished(id: string) {
  for (let i = 0; i < 500; i++) {
    const { body } = await graphql(url, exportA, READ, { id });
    if (!["QUEUED", "RUNNING"].includes(body.data.exportJob.data.status)) return body.data.exportJob.data;
    await sleep(20);
  }
  throw new Error(`job ${id} did not finish`);
}

describe("GraphQL export jobs", () => {
  test("createExportJob runs createExport in the background: the same rows, the same bytes", async () => {
    const input = { dataType: "USERS", period: FIXTURE_PERIOD, idempotencyKey: "gql-1" };
    const { body } = await graphql(url, exportA, CREATE, { input });
    const { jobId, status } = body.data.createExportJob.data;
    expect(status).toBe("QUEUED");
    const job = await finished(jobId);
    const sync = (await graphql(url, exportA, CREATE_EXPORT, { input: { dataType: "USERS", period: FIXTURE_PERIOD } })).body.data
      .createExport.data;
    expect(job).toMatchObject({ jobId, status: "SUCCEEDED", dataType: "users", rowsWritten: sync.recordCount, error: null });
    expect(job.result).toMatchObject({ dataType: "USERS", recordCount: sync.recordCount });
    expect(job.result.downloadUrl.startsWith(`http://exports.test/downloads/${job.result.filePath}?expires=`)).toBe(true);
    expect(await readFile(`${app.exportDir}/${job.result.filePath}`)).toEqual(await readFile(`${app.exportDir}/${sync.filePath}`));

    const again = await graphql(url, exportA, CREATE, { input });
    expect(again.body.data.createExportJob.data).toEqual({ jobId, status: "SUCCEEDED" });
    const other = await graphql(url, exportA, CREATE, { input: { ...input, dataType: "AGENTS" } });
    expect(other.body.data.createExportJob).toEqual({
      code: "UNPROCESSABLE",
      message: `Idempotency-Key "gql-1" was already used for another request (job ${jobId}): use a new key for a new request`,
    });
    const empty = await graphql(url, exportA, CREATE, { input: { ...input, idempotencyKey: "" } });
    expect(empty.body.data.createExportJob).toEqual({ code: "BAD_REQUEST", message: "idempotencyKey: must not be empty" });

    const theirs = await graphql(url, exportB, READ, { id: jobId });
    expect(theirs.body.data.exportJob).toEqual({ code: "NOT_FOUND", message: `No export job "${jobId}" in this workspace` });
  });

  test("bad input is refused before a job exists; a period without usage is a failed job with NO_DATA's answer", async () => {
    const grouped = await graphql(url, exportA, CREATE, { input: { dataType: "PROJECTS", period: FIXTURE_PERIOD, groupBy: "MODEL" } });
    expect(grouped.body.data.createExportJob).toEqual({ code: "BAD_REQUEST", message: "group_by is not available for projects" });
    const june = { from: { date: "2026-06-01", timezone: "UTC" }, to: { date: "2026-06-30", timezone: "UTC" } };
    const { body } = await graphql(url, exportA, CREATE, { input: { dataType: "USERS", period: june } });
    const job = await finished(body.data.createExportJob.data.jobId);
    expect(job).toMatchObject({
      status: "FAILED",
      result: null,
      error: { error: "No data found", message: "No usage data found for the selected period" },
    });
  });
});
