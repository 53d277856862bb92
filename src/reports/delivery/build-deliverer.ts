import type { Env } from "../../config/env.ts";
import { attachmentOrLink, type Carriage } from "./attachment-or-link.ts";
import { DeliveryError, type Deliverer, type DeliveryReceipt, type Destination, type ReportFile, type ReportMessage } from "./delivery.ts";
import { createEmailDeliverer } from "./email.ts";
import { createSlackDeliverer } from "./slack.ts";

export interface Deliverers {
  /** null when SMTP_URL is unset. Owns a transport: closed by `closeDeliverers`. */
  email: (Deliverer & { close(): void }) | null;
  /** null when SLACK_BOT_TOKEN is unset. */
  slack: Deliverer | null;
}

/**
 * One adapter per configured channel, chosen from the env's discriminated
 * settings: an integration that is `null` there has no adapter here, so a
 * subscription aimed at it fails with a message naming the missing setting.
 * Built once per app (src/app.ts opens and closes them with the database).
 */
export function buildDeliverers(env: Pick<Env, "smtp" | "slack" | "reportAttachmentLimitBytes">): Deliverers {
  return {
    email: env.smtp
      ? createEmailDeliverer({ url: env.smtp.url, from: env.smtp.from, attachmentLimitBytes: env.reportAttachmentLimitBytes })
      : null,
    slack: env.slack ? createSlackDeliverer({ token: env.slack.token, apiUrl: env.slack.apiUrl }) : null,
  };
}

/** Closes what the adapters hold open (the SMTP transport); for the app's shutdown. */
export function closeDeliverers(deliverers: Deliverers): void {
  deliverers.email?.close();
}

// Not retryable: configuration only changes with a restart, and the run should
// fail visibly rather than burn its attempts.
const NOT_CONFIGURED: Record<Destination["channel"], string> = {
  email: "Email delivery is not configured: set SMTP_URL",
  slack: "Slack delivery is not configured: set SLACK_BOT_TOKEN",
};

/** The adapter for the destination's channel; a DeliveryError naming the setting when it is not configured. */
function delivererFor(deliverers: Deliverers, to: Destination): Deliverer {
  const deliverer = deliverers[to.channel];
  if (!deliverer) throw new DeliveryError(NOT_CONFIGURED[to.channel], false);
  return deliverer;
}

/** Whether the destination's channel will attach the zip or send its link, so the message can say which. */
export function carriageFor(deliverers: Deliverers, file: ReportFile, to: Destination): Carriage {
  return attachmentOrLink(file, delivererFor(deliverers, to).attachmentLimitBytes);
}

/** Sends through the adapter for the destination's channel. */
export async function deliverTo(
  deliverers: Deliverers,
  file: ReportFile,
  message: ReportMessage,
  to: Destination,
): Promise<DeliveryReceipt> {
  return delivererFor(deliverers, to).deliver(file, message, to);
}
