import type { createTransport } from "nodemailer";
import { renderDownloadLinkNote } from "../../templates/report-email.ts";
import { attachmentOrLink } from "./attachment-or-link.ts";
import { DeliveryError, type Deliverer, type DeliveryReceipt, type ReportFile, type ReportMessage } from "./delivery.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export interface EmailDelivererConfig {
  /** smtp:// or smtps:// URL, credentials included. */
  url: string;
  /** From header, e.g. `Usage Exports <reports@example.com>`. */
  from: string;
  /** Zips above this go out as a download link instead of an attachment. */
  attachmentLimitBytes: number;
}

/**
 * Sends report zips over SMTP. Built once per app (src/app.ts) and closed with
 * it. One connection per message rather than a pool: reports leave a few times a
 * week, and an idle pooled connection would only be dropped by the server
 * between runs.
 */
export function createEmailDeliverer(config: EmailDelivererConfig): Deliverer & { close(): void } {
  // Made for the first message: nodemailer is loaded on use (~90 ms), as most
  // processes that build deliverers (the CLI, a server between reports) send none.
  let transport: Promise<ReturnType<typeof createTransport>> | null = null;
  const transportOf = () =>
    (transport ??= import("nodemailer").then((nodemailer) =>
      nodemailer.createTransport(
        {
          url: config.url,
          // Bounded waits so a silent server fails the attempt (and it is retried)
          // instead of holding the run's lease for nodemailer's default 10 minutes.
          // Values the URL sets itself take precedence.
          connectionTimeout: 30 * SECOND,
          greetingTimeout: 30 * SECOND,
          socketTimeout: 2 * MINUTE,
        },
        { from: config.from },
      ),
    ));

  return {
    attachmentLimitBytes: config.attachmentLimitBytes,
    async deliver(file, message, to): Promise<DeliveryReceipt> {
      if (to.channel !== "email") throw new DeliveryError(`The email deliverer cannot send to ${to.channel}`, false);
      const recipients = checkRecipients(to.recipients);
      const { attached } = attachmentOrLink(file, config.attachmentLimitBytes);
      // A caller that rendered the link itself (the template takes a downloadUrl) gets no second copy.
      const body = attached || message.text.includes(file.downloadUrl) ? message : withDownloadLink(message, file);
      // Streamed from the file store by nodemailer: the zip is never held in memory.
      const content = attached ? await file.open() : null;
      const info = await transportOf()
        .then((transport) =>
          transport.sendMail({
            to: recipients,
            subject: message.subject,
            text: body.text,
            html: body.html,
            attachments: content ? [{ filename: file.fileName, content, contentType: "application/zip" }] : [],
          }),
        )
        .catch((error: unknown) => {
          throw toDeliveryError(error);
        })
        // A send that failed before reading it leaves the file open otherwise.
        .finally(() => content?.destroy());
      // Some recipients may be refused while others accept: the message went out,
      // and a retry would send it twice to the rest, so it counts as delivered and
      // the refusals stay visible in the run's audit detail.
      const rejected = info.rejected.length > 0 ? ` (rejected: ${info.rejected.join(", ")})` : "";
      return { channel: "email", attached, detail: `${info.messageId}${rejected}` };
    },
    close() {
      // A transport that could not be made has nothing open (its send already failed with the reason).
      void transport?.then(
        (t) => t.close(),
        () => undefined,
      );
    },
  };
}

// A bare address with a dotted domain. Display names, commas and spaces are
// refused because nodemailer would split or reinterpret them, sending to
// someone other than the address stored on the subscription.
const PLAUSIBLE_ADDRESS = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\.]+(\.[^\s@<>(),;:"[\]\\.]+)+$/;
const MAX_ADDRESS_LENGTH = 254;

/** Refuses a destination before connecting: a bad address never becomes valid by retrying. */
export function checkRecipients(recipients: string[]): string[] {
  if (recipients.length === 0) throw new DeliveryError("Email destination has no recipients", false);
  const bad = recipients.filter((r) => r.length > MAX_ADDRESS_LENGTH || !PLAUSIBLE_ADDRESS.test(r));
  if (bad.length > 0) {
    const list = bad.map((r) => JSON.stringify(r)).join(", ");
    throw new DeliveryError(`Invalid email recipient${bad.length > 1 ? "s" : ""} ${list}: expected name@example.com`, false);
  }
  return recipients;
}

/** The message with the zip's signed link appended to both bodies, for a zip too large to attach. */
function withDownloadLink(message: ReportMessage, file: ReportFile): { text: string; html: string } {
  const note = renderDownloadLinkNote(file);
  // Inside the document when it has a body, so mail clients do not drop the link.
  const end = message.html.toLowerCase().lastIndexOf("</body>");
  const html = end < 0 ? `${message.html}\n${note.html}` : message.html.slice(0, end) + note.html + message.html.slice(end);
  return { text: `${message.text.trimEnd()}\n\n${note.text}`, html };
}

// Failures without an SMTP reply that no retry can fix: configuration and
// envelope problems found before or instead of talking to the server.
const PERMANENT_CODES = new Set(["ECONFIG", "ENOAUTH", "EENVELOPE", "EMAXRECIPIENTS", "EREQUIRETLS", "EFILEACCESS"]);

/**
 * SMTP replies decide by their class (RFC 5321): 4xx is "try again later", 5xx
 * (except 503, a session-state error) is final. nodemailer computes that as
 * `permanent`, and for an all-recipients-refused error it reports a deferral
 * over a hard bounce, so a 450 for one address keeps the message retryable.
 * No reply at all (refused connection, timeout, TLS or DNS trouble) is an outage.
 */
function toDeliveryError(error: unknown): DeliveryError {
  if (!(error instanceof Error)) return new DeliveryError(`SMTP delivery failed: ${String(error)}`, true);
  const e = smtpFields(error);
  if (typeof e.responseCode === "number") {
    const permanent = e.permanent ?? (e.responseCode >= 500 && e.responseCode !== 503);
    const refused = e.rejected?.length ? ` for ${e.rejected.join(", ")}` : "";
    const verdict = permanent ? "rejected the message" : "deferred the message";
    return new DeliveryError(`SMTP server ${verdict}${refused}: ${e.response ?? e.message}`, !permanent, undefined, {
      cause: error,
    });
  }
  const code = e.code ?? "unknown";
  if (PERMANENT_CODES.has(code))
    return new DeliveryError(`SMTP delivery failed (${code}): ${e.message}`, false, undefined, { cause: error });
  const original = e.originalCode ? `, ${e.originalCode}` : "";
  return new DeliveryError(`Could not deliver over SMTP (${code}${original}): ${e.message}`, true, undefined, { cause: error });
}

/** The fields nodemailer sets on its errors, each read only when it has the type nodemailer gives it. */
function smtpFields(error: Error) {
  const field = (name: string): unknown => (name in error ? Reflect.get(error, name) : undefined);
  const text = (name: string) => {
    const value = field(name);
    return typeof value === "string" ? value : undefined;
  };
  const responseCode = field("responseCode");
  const permanent = field("permanent");
  const rejected = field("rejected");
  return {
    message: error.message,
    code: text("code"),
    originalCode: text("originalCode"),
    response: text("response"),
    responseCode: typeof responseCode === "number" ? responseCode : undefined,
    permanent: typeof permanent === "boolean" ? permanent : undefined,
    rejected: Array.isArray(rejected) ? rejected.map(String) : undefined,
  };
}
