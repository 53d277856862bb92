import type { Readable } from "node:stream";

/**
 * The contract between a report run and the channel that carries its zip.
 * A run hands over a built zip and rendered texts; an adapter sends them or
 * throws a DeliveryError saying whether another attempt could succeed, so the
 * scheduler retries outages and rate limits but not a wrong address.
 */

export interface ReportMessage {
  subject: string;
  text: string;
  html: string;
  /** Slack mrkdwn posted with the file. */
  slackText: string;
}

export interface ReportFile {
  /** The zip's bytes, from the file store; each call a fresh stream, which the caller reads or destroys. */
  open(): Promise<Readable>;
  fileName: string;
  sizeBytes: number;
  /** Signed link to the same zip, used when it is too large to attach. */
  downloadUrl: string;
}

export type Destination = { channel: "email"; recipients: string[] } | { channel: "slack"; channelId: string };

export interface DeliveryReceipt {
  channel: "email" | "slack";
  /** false when the zip was replaced by its download link. */
  attached: boolean;
  /** SMTP message id or Slack file id, kept with the run for auditing. */
  detail: string;
}

export interface Deliverer {
  /** Zips over this many bytes go out as their download link (src/reports/delivery/attachment-or-link.ts). */
  readonly attachmentLimitBytes: number;
  deliver(file: ReportFile, message: ReportMessage, to: Destination): Promise<DeliveryReceipt>;
}

/**
 * A delivery that did not happen. `retryable` is false when repeating the same
 * request would fail the same way (bad address, missing channel, revoked token);
 * `retryAfterMs` is the peer's own hint (Slack's Retry-After), when it gave one.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DeliveryError";
  }
}
