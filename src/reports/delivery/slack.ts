import { buffer } from "node:stream/consumers";
import type { WebAPICallResult, WebClient } from "@slack/web-api";
import { z } from "zod";
import { renderSlackDownloadLink } from "../../templates/report-slack.ts";
import { attachmentOrLink, SLACK_FILE_LIMIT_BYTES } from "./attachment-or-link.ts";
import { DeliveryError, type Deliverer, type DeliveryReceipt, type ReportFile, type ReportMessage } from "./delivery.ts";

type SlackApi = typeof import("@slack/web-api");
// Loaded at the first message; Node's module cache keeps it for the next ones.
const slackApi = (): Promise<SlackApi> => import("@slack/web-api");

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export interface SlackDelivererConfig {
  /** Bot token (xoxb-…) with the files:write scope. */
  token: string;
  /** Overrides https://slack.com/api/ (tests, proxies); null for Slack itself. */
  apiUrl: string | null;
  /** Zips above this are posted as their link; Slack's own upload bound unless set (tests). */
  fileLimitBytes?: number;
}

/**
 * Posts report zips to a Slack channel with files upload v2; a zip over Slack's
 * file limit is posted as its download link instead. Built once per app (src/app.ts).
 */
export function createSlackDeliverer(config: SlackDelivererConfig): Deliverer {
  const limitBytes = config.fileLimitBytes ?? SLACK_FILE_LIMIT_BYTES;
  // Made for the first message: @slack/web-api is loaded on use (~70 ms), as most
  // processes that build deliverers (the CLI, a server between reports) post nothing.
  let client: Promise<WebClient> | null = null;
  const clientOf = () =>
    (client ??= slackApi().then(
      (slack) =>
        new slack.WebClient(config.token, {
          ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}),
          // The scheduler owns retries (backoff, one logged attempt each, the run's
          // lease); the client's default of ten retries over thirty minutes, or
          // sleeping through a rate limit, would hide attempts and outlive the lease.
          retryConfig: { retries: 0 },
          rejectRateLimitedCalls: true,
          // Per request, upload included; without it a stalled peer waits forever.
          timeout: 2 * MINUTE,
          // Every failure reaches the caller as a DeliveryError and is logged there;
          // the client's own console lines would bypass the JSON log.
          logLevel: slack.LogLevel.ERROR,
        }),
    ));
  const failed = (channelId: string) => async (error: unknown) => {
    throw toDeliveryError(error, channelId, await slackApi());
  };

  /** Uploads the zip with the message as its comment; the receipt names the file. */
  async function upload(file: ReportFile, message: ReportMessage, channelId: string): Promise<DeliveryReceipt> {
    // Whole, as the client uploads a buffer (Slack's bound on a file keeps it finite).
    const bytes = await buffer(await file.open());
    const result = await clientOf()
      .then((slack) =>
        slack.files.uploadV2({
          channel_id: channelId,
          file: bytes,
          filename: file.fileName,
          title: message.subject,
          initial_comment: message.slackText,
        }),
      )
      .catch(failed(channelId));
    return { channel: "slack", attached: true, detail: uploadedFileId(result) ?? "unknown file id" };
  }

  /** Posts the message with the zip's link under it; the receipt names the message. */
  async function postLink(file: ReportFile, message: ReportMessage, channelId: string): Promise<DeliveryReceipt> {
    const text = `${message.slackText}\n${renderSlackDownloadLink(file)}`;
    const result = await clientOf()
      .then((slack) => slack.chat.postMessage({ channel: channelId, text, unfurl_links: false }))
      .catch(failed(channelId));
    return { channel: "slack", attached: false, detail: `message ${result.ts ?? "with unknown ts"}` };
  }

  return {
    attachmentLimitBytes: limitBytes,
    async deliver(file, message, to): Promise<DeliveryReceipt> {
      if (to.channel !== "slack") throw new DeliveryError(`The Slack deliverer cannot send to ${to.channel}`, false);
      const channelId = to.channelId.trim();
      if (!channelId) throw new DeliveryError("Slack destination has no channel id", false);
      return attachmentOrLink(file, limitBytes).attached ? upload(file, message, channelId) : postLink(file, message, channelId);
    },
  };
}

// uploadV2 answers with one files.completeUploadExternal result per message it posted.
const UploadResult = z.object({ files: z.array(z.object({ files: z.array(z.object({ id: z.string() })).optional() })).optional() });

/** The id of the file an upload shared, when Slack's answer names one. */
function uploadedFileId(result: WebAPICallResult): string | undefined {
  return UploadResult.safeParse(result).data?.files?.[0]?.files?.[0]?.id;
}

/** What each final Slack error means for the person fixing the subscription. */
function permanentProblem(code: string, channelId: string, needed: unknown): string | null {
  switch (code) {
    case "not_in_channel":
      return `the bot is not a member of Slack channel ${channelId}: invite the app to the channel`;
    case "channel_not_found":
      return `Slack channel ${channelId} was not found, or the bot cannot see it`;
    case "is_archived":
      return `Slack channel ${channelId} is archived`;
    case "invalid_auth":
    case "not_authed":
    case "token_revoked":
    case "token_expired":
    case "account_inactive":
      return `Slack rejected the bot token (${code}): check SLACK_BOT_TOKEN`;
    case "missing_scope":
      return `the Slack bot token lacks a scope${typeof needed === "string" ? ` (${needed})` : ""}: add it to the app`;
    default:
      return null;
  }
}

// Platform errors Slack documents as its own trouble; anything else it answers
// is about the request and would be answered the same way again.
const TRANSIENT_PLATFORM_ERRORS = new Set(["internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"]);

/**
 * Maps @slack/web-api (v7/v8) errors: a 429 with rejectRateLimitedCalls is a
 * WebAPIRateLimitedError carrying Retry-After in seconds; an `ok: false` body is
 * a WebAPIPlatformError with the Slack error code in `data.error`; a transport
 * failure (refused, reset, timeout) is a WebAPIRequestError; any other non-200
 * status is a WebAPIHTTPError.
 */
function toDeliveryError(error: unknown, channelId: string, slack: SlackApi): DeliveryError {
  const {
    WebAPIRateLimitedError,
    WebAPIPlatformError,
    WebAPIHTTPError,
    WebAPIRequestError,
    WebAPIFileUploadInvalidArgumentsError,
    WebAPIFileUploadReadFileDataError,
  } = slack;
  const cause = { cause: error };
  if (error instanceof WebAPIRateLimitedError) {
    return new DeliveryError(`Slack rate limit reached: retry in ${error.retryAfter} s`, true, error.retryAfter * SECOND, cause);
  }
  if (error instanceof WebAPIPlatformError) {
    const code = error.data.error;
    // `needed` names the missing scope on missing_scope answers.
    const problem = permanentProblem(code, channelId, "needed" in error.data ? error.data.needed : undefined);
    if (problem) return new DeliveryError(`Slack upload failed: ${problem}`, false, undefined, cause);
    const retryAfter = error.data.response_metadata?.retryAfter;
    const retryable = TRANSIENT_PLATFORM_ERRORS.has(code);
    return new DeliveryError(`Slack upload failed: ${code}`, retryable, retryable && retryAfter ? retryAfter * SECOND : undefined, cause);
  }
  if (error instanceof WebAPIHTTPError) {
    // 5xx and 408 are outages; another status means the API URL points somewhere wrong.
    const retryable = error.statusCode >= 500 || error.statusCode === 408;
    return new DeliveryError(`Slack API answered HTTP ${error.statusCode}`, retryable, undefined, cause);
  }
  if (error instanceof WebAPIRequestError) {
    return new DeliveryError(`Could not reach Slack: ${error.original.message}`, true, undefined, cause);
  }
  if (error instanceof WebAPIFileUploadInvalidArgumentsError || error instanceof WebAPIFileUploadReadFileDataError) {
    return new DeliveryError(`Slack upload refused its arguments: ${error.message}`, false, undefined, cause);
  }
  // Unclassified (e.g. a 429 without a usable Retry-After): let the attempt budget decide.
  return new DeliveryError(`Slack upload failed: ${error instanceof Error ? error.message : String(error)}`, true, undefined, cause);
}
