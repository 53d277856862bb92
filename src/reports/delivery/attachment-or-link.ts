import type { ReportFile } from "./delivery.ts";

/** Slack's own bound on one uploaded file. */
export const SLACK_FILE_LIMIT_BYTES = 1024 ** 3;

/** How a report's zip travels: as the file itself, or as its signed download link. */
export type Carriage = { attached: true } | { attached: false; downloadUrl: string };

/**
 * The one place that decides between attaching a zip and sending its link: a zip
 * over the channel's limit (REPORT_ATTACHMENT_LIMIT_BYTES for email, Slack's
 * upload bound for Slack) goes out as its link. The run renders its message from
 * this answer (src/reports/deliver-run.ts), and each deliverer sends by it.
 */
export function attachmentOrLink(file: Pick<ReportFile, "sizeBytes" | "downloadUrl">, limitBytes: number): Carriage {
  return file.sizeBytes <= limitBytes ? { attached: true } : { attached: false, downloadUrl: file.downloadUrl };
}
