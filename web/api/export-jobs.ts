import type { DataType, GroupBy, RangeChoice } from "./analytics.ts";
import { periodInput } from "./analytics.ts";
import { FAILURE, gql, graphql, PageError, unwrap, type DataOf, type ResultOf } from "./graphql.ts";

// The dialog's exports run as background jobs (createExportJob, then exportJob until it ends),
// so a large file shows its progress instead of holding one request open.
const JOB_FIELDS = graphql(`
  fragment JobFields on ExportJob { jobId status rowsWritten error { error message } result { downloadUrl filePath recordCount } }
`);

const CREATE_EXPORT_JOB = graphql(
  `
  mutation CreateExportJob($input: CreateExportJobInput!) {
    createExportJob(input: $input) { __typename ...Failure ... on MutationCreateExportJobSuccess { data { ...JobFields } } }
  }
`,
  [FAILURE, JOB_FIELDS],
);

const EXPORT_JOB = graphql(
  `
  query ExportJob($id: String!) {
    exportJob(id: $id) { __typename ...Failure ... on QueryExportJobSuccess { data { ...JobFields } } }
  }
`,
  [FAILURE, JOB_FIELDS],
);

export type ExportJob = DataOf<ResultOf<typeof EXPORT_JOB>["exportJob"]>;
export type JobResult = NonNullable<ExportJob["result"]>;

/** Polls start quickly (small exports finish in well under a second) and slow down to every 2 s. */
const FIRST_POLL_MS = 250;
const LONGEST_POLL_MS = 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs an export as a job: `onProgress` gets the job each time it is read while
 * queued or running. Resolves with the file; a failed or cancelled job rejects
 * with its error's message (the synchronous export's). `stopped()` true ends the
 * polling (the dialog closed); the job itself runs on.
 */
export async function runExportJob(
  request: { dataType: DataType; range: RangeChoice; timezone: string; groupBy: GroupBy | null },
  onProgress: (job: ExportJob) => void,
  stopped: () => boolean,
): Promise<JobResult> {
  const input = { dataType: request.dataType, period: periodInput(request.range, request.timezone), groupBy: request.groupBy };
  let job = unwrap((await gql(CREATE_EXPORT_JOB, { input })).createExportJob);
  let wait = FIRST_POLL_MS;
  while (job.status === "QUEUED" || job.status === "RUNNING") {
    onProgress(job);
    await sleep(wait);
    wait = Math.min(wait * 2, LONGEST_POLL_MS);
    if (stopped()) throw new PageError("The dialog was closed", "STOPPED");
    job = unwrap((await gql(EXPORT_JOB, { id: job.jobId })).exportJob);
  }
  if (job.status === "SUCCEEDED" && job.result) return job.result;
  throw new PageError(job.error?.message ?? `The export ${job.status === "CANCELLED" ? "was cancelled" : "failed"}`, job.error?.error);
}
