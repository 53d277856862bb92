import { describe, expect, test } from "vitest";
import { parseEnv } from "../../../src/config/env.ts";
import { attachmentOrLink, SLACK_FILE_LIMIT_BYTES } from "../../../src/reports/delivery/attachment-or-link.ts";
import { buildDeliverers, carriageFor } from "../../../src/reports/delivery/build-deliverer.ts";

// Only its size and link are looked at: the bytes are never read.
const file = {
  open: () => Promise.reject(new Error("not read here")),
  fileName: "r.zip",
  sizeBytes: 1000,
  downloadUrl: "https://exports.test/d/r",
};

describe("attachmentOrLink", () => {
  test("a zip up to the limit is attached; one byte over, its link goes instead", () => {
    expect(attachmentOrLink(file, 1000)).toEqual({ attached: true });
    expect(attachmentOrLink(file, 999)).toEqual({ attached: false, downloadUrl: "https://exports.test/d/r" });
  });

  test("each channel decides by its own limit: REPORT_ATTACHMENT_LIMIT_BYTES for email, Slack's upload bound for Slack", () => {
    const deliverers = buildDeliverers(
      parseEnv({
        SMTP_URL: "smtp://127.0.0.1:1",
        REPORT_ATTACHMENT_LIMIT_BYTES: "999",
        SLACK_BOT_TOKEN: "xoxb-test",
        SLACK_API_URL: "http://127.0.0.1:1/api/",
      }),
    );
    try {
      const email = carriageFor(deliverers, file, { channel: "email", recipients: ["a@example.com"] });
      expect(email).toEqual({ attached: false, downloadUrl: file.downloadUrl });
      expect(carriageFor(deliverers, file, { channel: "slack", channelId: "C1" })).toEqual({ attached: true });
      expect(deliverers.slack?.attachmentLimitBytes).toBe(SLACK_FILE_LIMIT_BYTES);
    } finally {
      deliverers.email?.close();
    }
  });
});
