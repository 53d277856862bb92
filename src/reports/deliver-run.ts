import { z } from "zod";
import { signedDownloadUrl } from "../exports/download-links.ts";
import type { ReportRun, ReportSubscription } from "../generated/prisma/client.ts";
import { resolvePeriod } from "../periods/period.ts";
import { reportDeliveries } from "../metrics/registry.ts";
import type { AppContext } from "../runtime/context.ts";
import { openExisting } from "../storage/file-store.ts";
import { renderReportEmail } from "../templates/report-email.ts";
import { renderReportSlackMessage } from "../templates/report-slack.ts";
import { DATA_TYPES, GROUP_BYS } from "../usage/shared/data-types.ts";
import { buildReportZip } from "./build-report-zip.ts";
import { carriageFor, deliverTo } from "./delivery/build-deliverer.ts";
import { DeliveryError, type Destination, type ReportFile } from "./delivery/delivery.ts";
import { MAX_ATTEMPTS, markDelivered, markFailed } from "./runs/claim-run.ts";

export type DeliveryOutcome = "delivered" | "retrying" | "failed" | "lost-lease";

/** A subscription's `types` column, as subscriptions.ts stores it. */
const StoredTypes = z.array(
  z.object({
    dataType: z.enum(DATA_TYPES),
    groupBy: z
      .enum(GROUP_BYS)
      .nullish()
      .transform((g) => g ?? null),
  }),
);

/** The stored data types; a row no subscription check would have written fails the run for good. */
function typesOf(sub: ReportSubscription) {
  const parsed = StoredTypes.safeParse(sub.types);
  if (!parsed.success)
    throw new DeliveryError(`Report subscription "${sub.id}" has unreadable data types: ${z.prettifyError(parsed.error)}`, false);
  return parsed.data;
}

const destinationOf = (sub: ReportSubscription): Destination =>
  sub.channel === "email" ? { channel: "email", recipients: sub.recipients } : { channel: "slack", channelId: sub.slackChannelId ?? "" };

/**
 * Delivers one claimed run through the app's deliverers: builds the zip from the
 * same export pipeline as on-demand exports, sends it, and records the outcome
 * (one transaction, runs/claim-run.ts). Any failure becomes a logged attempt
 * (retried with backoff when it may help), never an exception.
 */
export async function deliverRun(app: AppContext, run: ReportRun, owner: string): Promise<DeliveryOutcome> {
  // Unknown until the subscription is read (a run whose subscription is gone fails before).
  let channel = "unknown";
  const counted = (outcome: DeliveryOutcome) => {
    reportDeliveries.inc({ channel, outcome });
    return outcome;
  };
  try {
    const sub = await app.db.prisma.reportSubscription.findUniqueOrThrow({
      where: { workspaceId_id: { workspaceId: run.workspaceId, id: run.subscriptionId } },
    });
    channel = sub.channel;
    const period = resolvePeriod(
      { date: run.periodStart, timezone: sub.timezone },
      { date: run.periodEnd, timezone: sub.timezone },
      app.now(),
    );
    const zip = await buildReportZip(app, { workspaceId: sub.workspaceId, name: sub.name, types: typesOf(sub), period, runId: run.id });
    const { filePath } = zip;
    await app.db.prisma.reportRun.update({
      where: { workspaceId_id: { workspaceId: run.workspaceId, id: run.id } },
      data: { zipPath: filePath },
    });
    const expiresAt = new Date(app.now().getTime() + app.env.exportRetentionHours * 3_600_000);
    const file: ReportFile = {
      open: async () => (await openExisting(app.files, filePath)).stream,
      fileName: zip.fileName,
      sizeBytes: zip.sizeBytes,
      downloadUrl: signedDownloadUrl(app.signingSecret, app.env.publicBaseUrl, filePath, expiresAt),
    };
    const to = destinationOf(sub);
    // Decided once for the channel: the message says "attached" or carries the link, as the deliverer sends it.
    const carriage = carriageFor(app.deliverers, file, to);
    const files = zip.manifest.files.map((f) => ({ name: f.name, rowCount: f.rowCount }));
    const email = renderReportEmail({
      reportName: sub.name,
      summary: zip.summary,
      files,
      downloadUrl: carriage.attached ? null : carriage.downloadUrl,
    });
    const slackText = renderReportSlackMessage({ reportName: sub.name, summary: zip.summary, files });
    const receipt = await deliverTo(app.deliverers, file, { ...email, slackText }, to);
    return counted((await markDelivered(app.db, run, owner, app.now(), receipt.detail)) ? "delivered" : "lost-lease");
  } catch (error) {
    const failure =
      error instanceof DeliveryError
        ? { message: error.message, retryable: error.retryable, retryAfterMs: error.retryAfterMs }
        : // Unexpected errors (a database hiccup, a full disk) may pass: retry them within the attempt budget.
          { message: (error instanceof Error && error.message) || "unexpected error", retryable: true };
    app.log.warn({ runId: run.id, attempt: run.attempts, err: error }, "report delivery attempt failed");
    const recorded = await markFailed(app.db, run, owner, app.now(), failure);
    if (!recorded) return counted("lost-lease");
    return counted(failure.retryable && run.attempts < MAX_ATTEMPTS ? "retrying" : "failed");
  }
}
