import { describe, expect, test } from "vitest";
import { parseEnv } from "../../../src/config/env.ts";
import { buildDeliverers, deliverTo } from "../../../src/reports/delivery/build-deliverer.ts";
import type { ReportFile, ReportMessage } from "../../../src/reports/delivery/delivery.ts";
import { deliveryFailure } from "./helpers.ts";

const file: ReportFile = {
  // Refused before the bytes are read.
  open: () => Promise.reject(new Error("not read here")),
  fileName: "report.zip",
  sizeBytes: 10,
  downloadUrl: "https://exports.test/d/x",
};
const message: ReportMessage = { subject: "s", text: "t", html: "<p>h</p>", slackText: "st" };

describe("buildDeliverers", () => {
  test("builds no adapter for an integration the environment leaves unset", () => {
    expect(buildDeliverers(parseEnv({}))).toEqual({ email: null, slack: null });
  });

  test("without SMTP_URL an email destination fails for good, naming the setting", async () => {
    const error = await deliveryFailure(
      deliverTo(buildDeliverers(parseEnv({})), file, message, { channel: "email", recipients: ["ana@example.com"] }),
    );
    expect(error).toMatchObject({ retryable: false, message: "Email delivery is not configured: set SMTP_URL" });
  });

  test("without SLACK_BOT_TOKEN a Slack destination fails for good, naming the setting", async () => {
    const error = await deliveryFailure(deliverTo(buildDeliverers(parseEnv({})), file, message, { channel: "slack", channelId: "C1" }));
    expect(error).toMatchObject({ retryable: false, message: "Slack delivery is not configured: set SLACK_BOT_TOKEN" });
  });

  test("builds both adapters when configured, and routes each destination to its own", async () => {
    const deliverers = buildDeliverers(
      parseEnv({ SMTP_URL: "smtp://127.0.0.1:1", SLACK_BOT_TOKEN: "xoxb-test", SLACK_API_URL: "http://127.0.0.1:1/api/" }),
    );
    try {
      expect(deliverers.email).not.toBeNull();
      expect(deliverers.slack).not.toBeNull();
      // Each adapter's own up-front validation answers, so nothing touches the network.
      const email = await deliveryFailure(deliverTo(deliverers, file, message, { channel: "email", recipients: ["nope"] }));
      expect(email.message).toBe('Invalid email recipient "nope": expected name@example.com');
      const slack = await deliveryFailure(deliverTo(deliverers, file, message, { channel: "slack", channelId: "" }));
      expect(slack.message).toBe("Slack destination has no channel id");
    } finally {
      deliverers.email?.close();
    }
  });
});
