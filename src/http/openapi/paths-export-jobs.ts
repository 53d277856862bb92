import { EXPORT_JOB_STATUSES } from "../../export-jobs/status.ts";
import { MAX_RUNNING_PER_WORKSPACE } from "../../export-jobs/claim.ts";
import { errorResponse, jsonResponse, responseRef } from "./responses.ts";
import { type Operation, type Parameter, type PathItem, type Response, type Schema, type Server, successEnvelope } from "./types.ts";

// Async export jobs: the `Prefer: respond-async` branch of every export path
// (its headers and 202, used by paths-export.ts) and GET/DELETE /export/jobs/{jobId}.

export const EXPORT_JOBS_TAG = "Export Jobs";

/** Appended to each export path's description. */
export const EXPORT_ASYNC_NOTE =
  "**Async.** With `Prefer: respond-async` the request is checked as above (the same 400, 401, 403, 413, 429), then answered 202 " +
  "with a job and its `statusUrl` (also the `Location` header): `GET` it until `status` is `succeeded` (its `result` is this " +
  "endpoint's 200 `data`), `failed` (its `error` is the error answer, e.g. 404 for a period without usage) or `cancelled`. " +
  `At most ${MAX_RUNNING_PER_WORKSPACE} jobs of a workspace run at once; the others wait, queued.`;

/** The headers an export request may carry to run as a job. */
export const ASYNC_PARAMETERS: Parameter[] = [
  {
    name: "Prefer",
    in: "header",
    required: false,
    description: "`respond-async`: answer 202 with a job at once instead of the export (RFC 7240).",
    schema: { type: "string", enum: ["respond-async"] },
  },
  {
    name: "Idempotency-Key",
    in: "header",
    required: false,
    description:
      "With `Prefer: respond-async`: a key of the workspace's choosing. The same key with the same path and body answers the same job " +
      "(no new one); with another path or body, 422.",
    schema: { type: "string", minLength: 1 },
    example: "nightly-users-2024-01",
  },
];

const STATUS: Schema = { type: "string", enum: EXPORT_JOB_STATUSES };
const statusUrlExample = "/export/jobs/8d0c6b0e-2f1a-4f5e-9a3c-1b2d3e4f5a6b";

/** The 202 of an export path asked to run as a job. */
export const ACCEPTED_RESPONSE: Response = {
  ...jsonResponse(
    "Accepted: the export runs as a job",
    successEnvelope({
      jobId: { type: "string" },
      status: STATUS,
      statusUrl: { type: "string", description: "Where to GET the job's status" },
    }),
    { success: true, data: { jobId: statusUrlExample.slice(13), status: "queued", statusUrl: statusUrlExample } },
  ),
  headers: { Location: { description: "The job's status URL (as `statusUrl`)", required: true, schema: { type: "string" } } },
};

/** The 422 of an export path given an `Idempotency-Key` already used for another request. */
export const IDEMPOTENCY_CONFLICT = errorResponse("Unprocessable Content: the Idempotency-Key was used for another request", {
  reused: [
    "Key reused",
    "Unprocessable Content",
    'Idempotency-Key "nightly-1" was already used for another request (job 8d0c6b0e-…): use a new key for a new request',
  ],
});

const errorObject: Schema = {
  type: "object",
  properties: { error: { type: "string" }, message: { type: "string" } },
  required: ["error", "message"],
  additionalProperties: false,
};

const jobStatus = successEnvelope({
  jobId: { type: "string" },
  status: STATUS,
  dataType: { type: "string", description: "As requested (`users`, `api-keys`, `timeseries`, …)" },
  progress: {
    type: "object",
    properties: { rowsWritten: { type: "integer", description: "Rows written so far (updated every few seconds)" } },
    required: ["rowsWritten"],
    additionalProperties: false,
  },
  createdAt: { type: "string", format: "date-time" },
  finishedAt: { type: "string", format: "date-time", nullable: true },
  result: {
    type: "object",
    nullable: true,
    description: "Once succeeded: exactly the export endpoint's 200 `data` (a file's `downloadUrl` is signed when the status is read).",
  },
  error: { ...errorObject, nullable: true, description: "Once failed: the export endpoint's error answer." },
});

const jobNotFound = errorResponse("Not Found: no job of that id in the key's workspace", {
  unknown: ["Unknown or another workspace's", "Not Found", 'No export job "8d0c6b0e-…" in this workspace'],
});

const jobId: Parameter = {
  name: "jobId",
  in: "path",
  required: true,
  description: "The job's id, from the 202",
  schema: { type: "string" },
};

function jobOperation(method: "get" | "delete"): Operation {
  const common = {
    "401": responseRef("Unauthorized"),
    "403": responseRef("ExportForbidden"),
    "404": jobNotFound,
    "500": responseRef("InternalError"),
    "503": responseRef("DatabaseUnavailable"),
  };
  if (method === "get")
    return {
      tags: [EXPORT_JOBS_TAG],
      summary: "An export job's status",
      description: "The job's status, progress and, once finished, its result or error. Reading it spends no export budget.",
      operationId: "getExportJob",
      parameters: [jobId],
      responses: { "200": jsonResponse("The job", jobStatus), ...common },
    };
  return {
    tags: [EXPORT_JOBS_TAG],
    summary: "Cancel an export job",
    description:
      "A queued job is cancelled at once (200). A running one stops at its next progress point, leaving no file (202: poll its status). " +
      "A finished job is 409.",
    operationId: "cancelExportJob",
    parameters: [jobId],
    responses: {
      "200": jsonResponse("Cancelled", jobStatus),
      "202": jsonResponse("Cancelling: the running job stops at its next progress point", jobStatus),
      ...common,
      "409": errorResponse("Conflict: the job has already finished", {
        finished: [
          "Already finished",
          "Conflict",
          'Export job "8d0c6b0e-…" has already succeeded; only a queued or running job can be cancelled',
        ],
      }),
    },
  };
}

export function exportJobPaths(servers: Server[]): Record<string, PathItem> {
  return { "/export/jobs/{jobId}": { servers, get: jobOperation("get"), delete: jobOperation("delete") } };
}
