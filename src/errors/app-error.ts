/**
 * Expected failures. Each code has one HTTP status and one short title; the
 * message is written for the user and never carries internals.
 */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, title: "Bad Request" },
  UNAUTHORIZED: { status: 401, title: "Unauthorized" },
  FORBIDDEN: { status: 403, title: "Forbidden" },
  NOT_FOUND: { status: 404, title: "Not Found" },
  NO_DATA: { status: 404, title: "No data found" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "Payload Too Large" },
  RATE_LIMITED: { status: 429, title: "Too Many Requests" },
  CONFLICT: { status: 409, title: "Conflict" },
  UNPROCESSABLE: { status: 422, title: "Unprocessable Content" },
  SERVICE_UNAVAILABLE: { status: 503, title: "Service Unavailable" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: ErrorCode;
  /** One entry per problem; `message` joins them. */
  readonly problems: string[];

  constructor(code: ErrorCode, problems: string | string[]) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.join("; "));
    this.name = "AppError";
    this.code = code;
    this.problems = list;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get title(): string {
    return ERROR_CODES[this.code].title;
  }
}

export const badRequest = (problems: string | string[]) => new AppError("BAD_REQUEST", problems);
export const noData = () => new AppError("NO_DATA", "No usage data found for the selected period");
