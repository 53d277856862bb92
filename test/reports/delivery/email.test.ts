import { createReadStream } from "node:fs";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressObject } from "mailparser";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { ReportFile, ReportMessage } from "../../../src/reports/delivery/delivery.ts";
import { createEmailDeliverer } from "../../../src/reports/delivery/email.ts";
import { startSmtpCapture } from "../../helpers/smtp.ts";
import { deliveryFailure, portOf } from "./helpers.ts";

// What the SMTP peer received, and how it should answer the next messages.
const smtp = await startSmtpCapture();
const { inbox, refusedRecipients, url } = smtp;

let dir = "";
let zip: ReportFile;
const zipBytes = randomBytes(3000);
const deliverers: { close(): void }[] = [];

const deliverer = (attachmentLimitBytes = 10_000, smtpUrl = url) => {
  const d = createEmailDeliverer({ url: smtpUrl, from: "Usage Exports <reports@usage.test>", attachmentLimitBytes });
  deliverers.push(d);
  return d;
};

const message: ReportMessage = {
  subject: 'Usage report "Weekly finance" — 2026-10-05 to 2026-10-11',
  text: 'Usage report "Weekly finance"\nPeriod: 2026-10-05 to 2026-10-11 (Europe/Paris)\n',
  html: "<!doctype html>\n<html><body><h1>Usage report &quot;Weekly finance&quot;</h1>\n</body></html>\n",
  slackText: "unused by email",
};

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "email-delivery-"));
  const path = join(dir, "weekly-finance-2026-10-05-2026-10-11.zip");
  await writeFile(path, zipBytes);
  zip = {
    open: async () => createReadStream(path),
    fileName: "weekly-finance-2026-10-05-2026-10-11.zip",
    sizeBytes: zipBytes.length,
    downloadUrl: "https://exports.test/d/abc?sig=x&exp=1",
  };
});

beforeEach(() => smtp.reset());

afterAll(async () => {
  for (const d of deliverers) d.close();
  await rm(dir, { recursive: true, force: true });
});

describe("createEmailDeliverer", () => {
  test("sends the subject, both bodies and the zip as an attachment to every recipient", async () => {
    const receipt = await deliverer().deliver(zip, message, { channel: "email", recipients: ["ana@example.com", "bo@example.org"] });

    expect(inbox).toHaveLength(1);
    const { envelopeTo, mail } = inbox[0]!;
    expect(envelopeTo).toEqual(["ana@example.com", "bo@example.org"]);
    expect(addresses(mail.to)).toEqual(["ana@example.com", "bo@example.org"]);
    expect(addresses(mail.from)).toEqual(["reports@usage.test"]);
    expect(mail.subject).toBe(message.subject);
    expect(mail.text).toBe(message.text);
    expect(mail.html).toBe(message.html);
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]!.filename).toBe("weekly-finance-2026-10-05-2026-10-11.zip");
    expect(mail.attachments[0]!.contentType).toBe("application/zip");
    expect(Buffer.compare(mail.attachments[0]!.content, zipBytes)).toBe(0);
    expect(receipt).toEqual({ channel: "email", attached: true, detail: mail.messageId });
  });

  test("attaches a zip exactly at the limit", async () => {
    const receipt = await deliverer(zipBytes.length).deliver(zip, message, { channel: "email", recipients: ["ana@example.com"] });
    expect(receipt.attached).toBe(true);
    expect(inbox[0]!.mail.attachments).toHaveLength(1);
  });

  test("replaces a zip over the limit with its download link in both bodies", async () => {
    const receipt = await deliverer(zipBytes.length - 1).deliver(zip, message, { channel: "email", recipients: ["ana@example.com"] });

    const { mail } = inbox[0]!;
    expect(mail.attachments).toEqual([]);
    expect(mail.text).toBe(
      `${message.text}\nThe zip (3 KB) is too large to attach. Download it (the link expires):\nhttps://exports.test/d/abc?sig=x&exp=1\n`,
    );
    // Inside the body, with the URL's ampersand escaped.
    expect(mail.html).toContain(
      '<a href="https://exports.test/d/abc?sig=x&amp;exp=1">https://exports.test/d/abc?sig=x&amp;exp=1</a></p>\n</body></html>',
    );
    expect(receipt).toEqual({ channel: "email", attached: false, detail: mail.messageId });
  });

  test("does not append the link again to a message that already carries it", async () => {
    const linked = { ...message, text: `${message.text}Download: ${zip.downloadUrl}\n` };
    const receipt = await deliverer(1).deliver(zip, linked, { channel: "email", recipients: ["ana@example.com"] });

    expect(receipt.attached).toBe(false);
    expect(inbox[0]!.mail.text).toBe(linked.text);
    expect(inbox[0]!.mail.attachments).toEqual([]);
  });

  test("a recipient the server answers 550 for is a final failure naming the address", async () => {
    refusedRecipients.set("gone@example.com", 550);
    const error = await deliveryFailure(deliverer().deliver(zip, message, { channel: "email", recipients: ["gone@example.com"] }));

    expect(error.retryable).toBe(false);
    expect(error.message).toContain("gone@example.com");
    expect(error.message).toMatch(/^SMTP server rejected the message for gone@example.com: 550 No mailbox here by that name/);
    expect(inbox).toEqual([]);
  });

  test("a recipient the server defers with 450 leaves the delivery retryable", async () => {
    refusedRecipients.set("busy@example.com", 450);
    const error = await deliveryFailure(deliverer().deliver(zip, message, { channel: "email", recipients: ["busy@example.com"] }));
    expect(error.retryable).toBe(true);
  });

  test("refusing one of several recipients still delivers, and the receipt names the refused one", async () => {
    refusedRecipients.set("gone@example.com", 550);
    const receipt = await deliverer().deliver(zip, message, { channel: "email", recipients: ["ana@example.com", "gone@example.com"] });

    expect(inbox[0]!.envelopeTo).toEqual(["ana@example.com"]);
    expect(receipt.detail).toBe(`${inbox[0]!.mail.messageId} (rejected: gone@example.com)`);
  });

  test("a 451 reply to the message data is retryable", async () => {
    smtp.dataReply = 451;
    const error = await deliveryFailure(deliverer().deliver(zip, message, { channel: "email", recipients: ["ana@example.com"] }));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^SMTP server deferred the message: 451 /);
  });

  test("a server that refuses connections is retryable", async () => {
    // A port that was free a moment ago: nothing listens on it.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = portOf(probe.address());
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const error = await deliveryFailure(
      deliverer(10_000, `smtp://127.0.0.1:${port}`).deliver(zip, message, { channel: "email", recipients: ["ana@example.com"] }),
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("ECONNREFUSED");
  });

  test("malformed addresses are refused before connecting, each one named", async () => {
    const before = smtp.connections;
    const error = await deliveryFailure(
      deliverer().deliver(zip, message, { channel: "email", recipients: ["ana@example.com", "not an address", "bo@example"] }),
    );

    expect(error.retryable).toBe(false);
    expect(error.message).toBe('Invalid email recipients "not an address", "bo@example": expected name@example.com');
    expect(smtp.connections).toBe(before);
  });

  test("an empty recipient list is refused before connecting", async () => {
    const error = await deliveryFailure(deliverer().deliver(zip, message, { channel: "email", recipients: [] }));
    expect(error).toMatchObject({ retryable: false, message: "Email destination has no recipients" });
  });
});
