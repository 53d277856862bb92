import { createReadStream } from "node:fs";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { ReportFile, ReportMessage } from "../../../src/reports/delivery/delivery.ts";
import { createSlackDeliverer } from "../../../src/reports/delivery/slack.ts";
import { startFakeSlack } from "../../helpers/fake-slack.ts";
import { deliveryFailure, portOf, within } from "./helpers.ts";

const slack = await startFakeSlack();
// What the fake Slack API saw (emptied before each test).
const seen = slack.seen;

let dir = "";
let zip: ReportFile;
const zipBytes = randomBytes(5000);
const message: ReportMessage = {
  subject: 'Usage report "Weekly finance" — 2026-10-05 to 2026-10-11',
  text: "unused by Slack",
  html: "<p>unused by Slack</p>",
  slackText: '*Usage report "Weekly finance"*\n2026-10-05 to 2026-10-11 (Europe/Paris)',
};
const deliverer = () => createSlackDeliverer({ token: "xoxb-test-token", apiUrl: slack.apiUrl });
const toChannel = { channel: "slack", channelId: "C0REPORTS" } as const;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "slack-delivery-"));
  const path = join(dir, "weekly-finance-2026-10-05-2026-10-11.zip");
  await writeFile(path, zipBytes);
  zip = {
    open: async () => createReadStream(path),
    fileName: "weekly-finance-2026-10-05-2026-10-11.zip",
    sizeBytes: zipBytes.length,
    downloadUrl: "https://exports.test/d/abc",
  };
});

beforeEach(() => slack.reset());

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("createSlackDeliverer", () => {
  test("uploads the zip's bytes and shares them in the channel with the message as comment", async () => {
    const receipt = await deliverer().deliver(zip, message, toChannel);

    expect(seen.getUploadUrl).toEqual([{ filename: "weekly-finance-2026-10-05-2026-10-11.zip", length: "5000" }]);
    expect(seen.uploaded).toHaveLength(1);
    expect(Buffer.compare(seen.uploaded[0]!, zipBytes)).toBe(0);
    expect(seen.completed).toEqual([
      { channel_id: "C0REPORTS", initial_comment: message.slackText, files: [{ id: "F1", title: message.subject }] },
    ]);
    expect(seen.authorization.every((a) => a === "Bearer xoxb-test-token")).toBe(true);
    expect(receipt).toEqual({ channel: "slack", attached: true, detail: "F1" });
  });

  test("a 429 with Retry-After: 7 is retryable after 7000 ms, without the client waiting it out", async () => {
    slack.failure = { step: "getUploadURLExternal", reply: "rate-limited" };
    const error = await deliveryFailure(within(5_000, "rate-limited delivery", deliverer().deliver(zip, message, toChannel)));

    expect(error).toMatchObject({ retryable: true, retryAfterMs: 7000 });
    expect(seen.uploaded).toEqual([]);
  });

  test.each([
    ["channel_not_found", "completeUploadExternal", "Slack upload failed: Slack channel C0REPORTS was not found, or the bot cannot see it"],
    [
      "not_in_channel",
      "completeUploadExternal",
      "Slack upload failed: the bot is not a member of Slack channel C0REPORTS: invite the app to the channel",
    ],
    ["invalid_auth", "getUploadURLExternal", "Slack upload failed: Slack rejected the bot token (invalid_auth): check SLACK_BOT_TOKEN"],
    ["not_authed", "getUploadURLExternal", "Slack upload failed: Slack rejected the bot token (not_authed): check SLACK_BOT_TOKEN"],
  ] as const)("%s from files.%s is a final failure naming the problem", async (reply, step, expected) => {
    slack.failure = { step, reply };
    const error = await deliveryFailure(deliverer().deliver(zip, message, toChannel));

    expect(error.retryable).toBe(false);
    expect(error.message).toBe(expected);
  });

  test("a Slack-side internal_error is retryable", async () => {
    slack.failure = { step: "completeUploadExternal", reply: "internal_error" };
    const error = await deliveryFailure(deliverer().deliver(zip, message, toChannel));
    expect(error).toMatchObject({ retryable: true, message: "Slack upload failed: internal_error" });
  });

  test("an unreachable API is retryable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = portOf(closed.address());
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const unreachable = createSlackDeliverer({ token: "xoxb-test-token", apiUrl: `http://127.0.0.1:${port}/api/` });
    const error = await deliveryFailure(within(10_000, "unreachable delivery", unreachable.deliver(zip, message, toChannel)));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^Could not reach Slack: /);
  });

  test("a zip over the file limit is posted as its download link, with the summary, and nothing is uploaded", async () => {
    const posted: Record<string, string>[] = [];
    const api = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        posted.push({ url: req.url ?? "", ...Object.fromEntries(new URLSearchParams(body)) });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ ok: true, channel: "C0REPORTS", ts: "1700000000.000100" }));
      });
    });
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    try {
      const small = createSlackDeliverer({
        token: "xoxb-test-token",
        apiUrl: `http://127.0.0.1:${portOf(api.address())}/api/`,
        fileLimitBytes: zipBytes.length - 1,
      });
      const linked = { ...zip, downloadUrl: "https://exports.test/d/abc?sig=x&exp=1" };
      const receipt = await small.deliver(linked, message, toChannel);

      expect(posted).toEqual([
        {
          url: "/api/chat.postMessage",
          channel: "C0REPORTS",
          text: `${message.slackText}\nThe zip (5 KB) is too large to attach. Download it (the link expires):\n<https://exports.test/d/abc?sig=x&amp;exp=1>`,
          unfurl_links: "false",
        },
      ]);
      expect(receipt).toEqual({ channel: "slack", attached: false, detail: "message 1700000000.000100" });
    } finally {
      await new Promise<void>((resolve) => api.close(() => resolve()));
    }
  });

  test("a destination without a channel id is refused before calling Slack", async () => {
    const error = await deliveryFailure(deliverer().deliver(zip, message, { channel: "slack", channelId: " " }));
    expect(error).toMatchObject({ retryable: false, message: "Slack destination has no channel id" });
    expect(seen.authorization).toEqual([]);
  });
});
