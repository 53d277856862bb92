import { describe, expect, test } from "vitest";
import { startSmtpCapture } from "../helpers/smtp.ts";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { createSubscription, enqueueRun, type SubscriptionInput } from "../../src/reports/subscriptions.ts";
import { createSmallWorkspace, FIXTURE_NOW } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

const { url: smtpUrl, received } = await startSmtpCapture();

const db = await testDatabase();
await createSmallWorkspace(db, { id: "ws_rs", byok: false });
await db.prisma.workspace.create({ data: { id: "ws_other", name: "other" } });
// Sunday 15 November 2026, 12:00 UTC.
const url = await startTestServer(testApp(db, { now: FIXTURE_NOW, env: { SMTP_URL: smtpUrl } }));
const admin = (await createAccessKey(db, { workspaceId: "ws_rs", role: "admin" })).apiKey;
const exporter = (await createAccessKey(db, { workspaceId: "ws_rs", role: "export" })).apiKey;
const otherAdmin = (await createAccessKey(db, { workspaceId: "ws_other", role: "admin" })).apiKey;

const SUB = `id name active nextRuns(count: 3) types { dataType groupBy } runs { kind periodStart periodEnd status attempts attemptLog { attempt outcome } }`;
const CREATE = `mutation($input: CreateReportSubscriptionInput!) { createReportSubscription(input: $input) {
  ... on AppError { code problems } ... on MutationCreateReportSubscriptionSuccess { data { ${SUB} } } } }`;
const monthly = {
  name: "Finance monthly",
  cadence: "monthly",
  dayOfMonth: 1,
  time: "07:30",
  timezone: "UTC",
  types: [{ dataType: "USERS" }, { dataType: "MODELS", groupBy: "SOURCE" }],
  channel: "email",
  recipients: ["cfo@acme.test"],
};
const byId = async (id: string, key = admin) =>
  (
    await graphql(url, key, `{ reportSubscriptions { ... on QueryReportSubscriptionsSuccess { data { ${SUB} } } } }`)
  ).body.data.reportSubscriptions.data.find((s: { id: string }) => s.id === id);

describe("report subscriptions over GraphQL", () => {
  test("every problem of a new subscription is named at once", async () => {
    const { body } = await graphql(url, admin, CREATE, {
      input: {
        ...monthly,
        name: " ",
        dayOfMonth: 0,
        time: "7:30",
        timezone: "Mars/Base",
        types: [
          { dataType: "PROJECTS", groupBy: "MODEL" },
          { dataType: "MODELS", groupBy: "DEPLOYMENT" },
        ],
        recipients: ["not-an-address"],
      },
    });
    expect(body.data.createReportSubscription).toEqual({
      code: "BAD_REQUEST",
      problems: [
        "name: must not be empty",
        'time "7:30" must be HH:MM (24-hour)',
        "dayOfMonth must be 1 to 31",
        'timezone "Mars/Base" is not a known IANA time zone',
        "types: group_by is not available for projects",
        'types: group_by "deployment" is only available for BYOK workspaces',
        'recipients: Invalid email recipient "not-an-address": expected name@example.com',
      ],
    });
    const slack = await graphql(url, admin, CREATE, { input: { ...monthly, channel: "slack", recipients: null } });
    expect(slack.body.data.createReportSubscription).toEqual({
      code: "BAD_REQUEST",
      problems: ["slackChannelId: required for Slack delivery"],
    });
  });

  test("a created subscription previews its next runs; pause and resume switch them off and on", async () => {
    const created = (await graphql(url, admin, CREATE, { input: monthly })).body.data.createReportSubscription.data;
    expect(created).toMatchObject({
      name: "Finance monthly",
      active: true,
      runs: [],
      nextRuns: ["2026-12-01T07:30:00.000Z", "2027-01-01T07:30:00.000Z", "2027-02-01T07:30:00.000Z"],
      types: [
        { dataType: "users", groupBy: null },
        { dataType: "models", groupBy: "source" },
      ],
    });
    const toggle = (name: string) =>
      graphql(
        url,
        admin,
        `mutation($id: ID!) { ${name}(id: $id) { ... on AppError { code message } ... on Mutation${name[0]!.toUpperCase()}${name.slice(1)}Success { data { active nextRuns(count: 1) } } } }`,
        { id: created.id },
      );
    expect((await toggle("pauseReportSubscription")).body.data.pauseReportSubscription.data).toEqual({ active: false, nextRuns: [] });
    expect((await toggle("resumeReportSubscription")).body.data.resumeReportSubscription.data).toEqual({
      active: true,
      nextRuns: ["2026-12-01T07:30:00.000Z"],
    });
  });

  test("a test send delivers the latest full month now, and a past run can be re-sent", async () => {
    const created = (await graphql(url, admin, CREATE, { input: { ...monthly, name: "Sent now" } })).body.data.createReportSubscription
      .data;
    const sent = await graphql(
      url,
      admin,
      `mutation($id: ID!) { sendReportSubscriptionTest(id: $id) { ... on MutationSendReportSubscriptionTestSuccess { data { id kind periodStart periodEnd status } } } }`,
      { id: created.id },
    );
    const run = sent.body.data.sendReportSubscriptionTest.data;
    expect(run).toMatchObject({ kind: "test", periodStart: "2026-10-01", periodEnd: "2026-10-31", status: "delivered" });
    const mails = received.filter((m) => m.subject === 'Usage report "Sent now" — 2026-10-01 to 2026-10-31');
    expect(mails.length).toBe(1);
    expect(mails[0]!.attachments[0]!.filename).toBe("sent-now-2026-10-01-2026-10-31.zip");

    const resent = await graphql(
      url,
      admin,
      `mutation($id: ID!) { resendReportRun(runId: $id) { ... on MutationResendReportRunSuccess { data { kind status periodStart } } } }`,
      { id: run.id },
    );
    expect(resent.body.data.resendReportRun.data).toEqual({ kind: "resend", status: "delivered", periodStart: "2026-10-01" });
    expect(received.filter((m) => m.subject?.includes('"Sent now"')).length).toBe(2);
    const history = (await byId(created.id)).runs;
    expect(history.map((r: { kind: string; status: string; attemptLog: unknown[] }) => [r.kind, r.status, r.attemptLog])).toEqual([
      ["resend", "delivered", [{ attempt: 1, outcome: "delivered" }]],
      ["test", "delivered", [{ attempt: 1, outcome: "delivered" }]],
    ]);
  });

  test("a test send delivers only its own run: another workspace's due run is left to the scheduler", async () => {
    const other = await db.prisma.workspace.findUniqueOrThrow({ where: { id: "ws_other" } });
    const otherSub = await createSubscription(
      db,
      other,
      {
        ...monthly,
        cadence: "monthly",
        channel: "email",
        name: "Other's report",
        types: [{ dataType: "users" }],
        recipients: ["ops@other.test"],
      } satisfies SubscriptionInput,
      FIXTURE_NOW,
    );
    const waiting = await enqueueRun(db, otherSub, other, "test", FIXTURE_NOW);
    const created = (await graphql(url, admin, CREATE, { input: { ...monthly, name: "Only mine" } })).body.data.createReportSubscription
      .data;
    const sent = await graphql(
      url,
      admin,
      `mutation($id: ID!) { sendReportSubscriptionTest(id: $id) { ... on MutationSendReportSubscriptionTestSuccess { data { status } } } }`,
      { id: created.id },
    );
    expect(sent.body.data.sendReportSubscriptionTest.data).toEqual({ status: "delivered" });
    expect(
      (await db.prisma.reportRun.findUniqueOrThrow({ where: { workspaceId_id: { workspaceId: waiting.workspaceId, id: waiting.id } } }))
        .status,
    ).toBe("pending");
    expect(received.filter((m) => m.subject?.includes("Other's report"))).toEqual([]);
    await db.prisma.reportSubscription.delete({ where: { workspaceId_id: { workspaceId: otherSub.workspaceId, id: otherSub.id } } });
  });

  test("updates are checked again; other workspaces and export keys cannot manage it", async () => {
    const created = (await graphql(url, admin, CREATE, { input: { ...monthly, name: "Managed" } })).body.data.createReportSubscription.data;
    const UPDATE = `mutation($id: ID!, $input: UpdateReportSubscriptionInput!) { updateReportSubscription(id: $id, input: $input) {
      ... on AppError { code message } ... on MutationUpdateReportSubscriptionSuccess { data { name nextRuns(count: 1) } } } }`;
    expect(
      (await graphql(url, admin, UPDATE, { id: created.id, input: { cadence: "weekly", weekday: 1, time: "09:00" } })).body.data
        .updateReportSubscription.data,
    ).toEqual({
      name: "Managed",
      nextRuns: ["2026-11-16T09:00:00.000Z"],
    });
    expect(
      (await graphql(url, admin, UPDATE, { id: created.id, input: { dayOfMonth: 40, cadence: "monthly" } })).body.data
        .updateReportSubscription,
    ).toEqual({
      code: "BAD_REQUEST",
      message: "dayOfMonth must be 1 to 31",
    });
    expect((await graphql(url, otherAdmin, UPDATE, { id: created.id, input: { name: "x" } })).body.data.updateReportSubscription).toEqual({
      code: "NOT_FOUND",
      message: `Report subscription "${created.id}" not found`,
    });
    expect((await graphql(url, exporter, UPDATE, { id: created.id, input: { name: "x" } })).body.data.updateReportSubscription.code).toBe(
      "FORBIDDEN",
    );
    const del = await graphql(
      url,
      admin,
      `mutation($id: ID!) { deleteReportSubscription(id: $id) { ... on MutationDeleteReportSubscriptionSuccess { data { id } } } }`,
      { id: created.id },
    );
    expect(del.body.data.deleteReportSubscription.data.id).toBe(created.id);
    expect(await byId(created.id)).toBeUndefined();
  });

  test("a data type given twice is kept once, in the order of first appearance, on create and on update", async () => {
    const created = (
      await graphql(url, admin, CREATE, {
        input: {
          ...monthly,
          name: "Repeats",
          types: [
            { dataType: "USERS" },
            { dataType: "MODELS", groupBy: "SOURCE" },
            { dataType: "USERS" },
            { dataType: "USERS", groupBy: null },
          ],
        },
      })
    ).body.data.createReportSubscription.data;
    expect(created.types).toEqual([
      { dataType: "users", groupBy: null },
      { dataType: "models", groupBy: "source" },
    ]);

    const UPDATE = `mutation($id: ID!, $input: UpdateReportSubscriptionInput!) { updateReportSubscription(id: $id, input: $input) {
      ... on MutationUpdateReportSubscriptionSuccess { data { types { dataType groupBy } } } } }`;
    const types = [
      { dataType: "AGENTS", groupBy: "MODEL" },
      { dataType: "USERS" },
      { dataType: "ASSISTANTS", groupBy: "MODEL" },
      { dataType: "AGENTS" },
      { dataType: "USERS" },
    ];
    const updated = (await graphql(url, admin, UPDATE, { id: created.id, input: { types } })).body.data.updateReportSubscription.data;
    expect(updated.types).toEqual([
      { dataType: "agents", groupBy: "model" },
      { dataType: "users", groupBy: null },
      { dataType: "agents", groupBy: null },
    ]);
    expect((await db.prisma.reportSubscription.findFirstOrThrow({ where: { id: created.id } })).types).toEqual(updated.types);
  });

  test("a screen's full query of subscriptions, their runs and every attempt is within the cost limit", async () => {
    const full = `{ reportSubscriptions { __typename ... on AppError { code message } ... on QueryReportSubscriptionsSuccess { data {
      id name cadence weekday dayOfMonth time timezone channel recipients slackChannelId active nextRuns(count: 5)
      types { dataType groupBy }
      runs(first: 20) { id kind periodStart periodEnd dueAt status attempts deliveredAt lastError
        attemptLog { attempt startedAt finishedAt outcome error detail } } } } } }`;
    const { body } = await graphql(url, admin, full);
    expect(body.errors).toBeUndefined();
    expect(body.data.reportSubscriptions.__typename).toBe("QueryReportSubscriptionsSuccess");
    // A hundred runs of each with every attempt is costed as such, and refused.
    const greedy = await graphql(url, admin, full.replace("runs(first: 20)", "runs(first: 100)"));
    expect(greedy.body.errors?.[0]?.message).toMatch(/^Query exceeds maximum complexity \(complexity: \d+, max: 30000\)$/);
  });
});
