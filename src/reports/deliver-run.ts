import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { AppContext } from "../context.ts";
import { signedDownloadUrl } from "../exports/download-links.ts";
import { reportZipPath } from "../exports/export-files.ts";
import type { ReportRun } from "../generated/prisma/client.ts";
import { resolvePeriod } from "../periods/period.ts";
import type { DataTypeName, GroupBy } from "../usage/shared/data-types.ts";
import { renderReportEmail } from "../../templates/report-email.ts";
import { renderReportSlackMessage } from "../../templates/report-slack.ts";
import { buildReportZip } from "./build-report-zip.ts";
import { DeliveryError, type Destination } from "./delivery/delivery.ts";
import { deliverTo, type Deliverers } from "./delivery/build-deliverer.ts";
import { markDelivered, markFailed, MAX_ATTEMPTS } from "./runs/claim-run.ts";
import { PRIVATE_DIR_MODE } from "../config/private-files.ts";

export type { Deliverers };
export type DeliveryOutcome = "delivered" | "retrying" | "failed" | "lost-lease";

/**
 * Delivers one claimed run: builds the zip from the same export pipeline as
 * on-demand exports, sends it, and records the outcome. Any failure becomes a
 * logged attempt (retried with backoff when it may help), never an exception.
 */
export async function deliverRun(
  app: AppContext,
  deliverers: Deliverers,
  run: ReportRun,
  owner: string,
): Promise<DeliveryOutcome> {
  try {
    const sub = await app.db.prisma.reportSubscription.findUniqueOrThrow({ where: { id: run.subscriptionId } });
    const period = resolvePeriod(
      { date: run.periodStart, timezone: sub.timezone },
      { date: run.periodEnd, timezone: sub.timezone },
      app.now(),
    );
    const outDir = join(app.exportDir, dirname(reportZipPath(sub.workspaceId, run.id, "x.zip")));
    await mkdir(outDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const zip = await buildReportZip(app, {
      workspaceId: sub.workspaceId,
      name: sub.name,
      types: sub.types as { dataType: DataTypeName; groupBy: GroupBy | null }[],
      period,
      outDir,
    });
    const filePath = reportZipPath(sub.workspaceId, run.id, zip.fileName);
    await app.db.prisma.reportRun.update({ where: { id: run.id }, data: { zipPath: filePath } });
    const expiresAt = new Date(app.now().getTime() + app.env.exportRetentionHours * 3_600_000);
    const downloadUrl = signedDownloadUrl(app.signingSecret, app.env.publicBaseUrl, filePath, expiresAt);
    const files = zip.manifest.files.map((f) => ({ name: f.name, rowCount: f.rowCount }));
    // Over the attachment limit an email carries the link instead (the Slack upload has no such limit).
    const tooLarge = sub.channel === "email" && zip.sizeBytes > app.env.reportAttachmentLimitBytes;
    const email = renderReportEmail({ reportName: sub.name, summary: zip.summary, files, downloadUrl: tooLarge ? downloadUrl : null });
    const slackText = renderReportSlackMessage({ reportName: sub.name, summary: zip.summary, files });
    const to: Destination =
      sub.channel === "email" ? { channel: "email", recipients: sub.recipients } : { channel: "slack", channelId: sub.slackChannelId ?? "" };
    const receipt = await deliverTo(
      deliverers,
      { path: zip.zipPath, fileName: zip.fileName, sizeBytes: zip.sizeBytes, downloadUrl },
      { ...email, slackText },
      to,
    );
    return (await markDelivered(app.db, run, owner, app.now(), receipt.detail)) ? "delivered" : "lost-lease";
  } catch (error) {
    const failure =
      error instanceof DeliveryError
        ? { message: error.message, retryable: error.retryable, retryAfterMs: error.retryAfterMs }
        : // Unexpected errors (a database hiccup, a full disk) may pass: retry them within the attempt budget.
          { message: (error as Error).message || "unexpected error", retryable: true };
    app.log.warn({ runId: run.id, attempt: run.attempts, err: error }, "report delivery attempt failed");
    const recorded = await markFailed(app.db, run, owner, app.now(), failure);
    if (!recorded) return "lost-lease";
    return failure.retryable && run.attempts < MAX_ATTEMPTS ? "retrying" : "failed";
  }
}
