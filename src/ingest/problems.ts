import { AppError } from "../errors/app-error.ts";

/**
 * How many problems a refused batch lists. Enough to fix a feed by; the rest
 * are only counted, so millions of bad lines answer in kilobytes instead of
 * building (and sending) a string per line.
 */
export const MAX_LISTED_PROBLEMS = 100;

/** The problems of one batch, by record index: the first MAX_LISTED_PROBLEMS (by index) with reasons, the rest counted. */
export class ProblemList {
  private readonly listed: { index: number; reason: string }[] = [];
  private unlisted = 0;

  /** Whether a problem of record `index` would be listed: when not, don't spend time describing it. */
  wants(index: number): boolean {
    return this.listed.length < MAX_LISTED_PROBLEMS || index < this.listed[this.listed.length - 1]!.index;
  }

  /** Adds a problem; one that won't be listed is only counted (its reason may be empty). */
  add(index: number, reason: string): void {
    if (!this.wants(index)) {
      this.unlisted++;
      return;
    }
    // Problems mostly arrive in index order; a later pass (deployments) may add earlier ones.
    let at = this.listed.length;
    while (at > 0 && this.listed[at - 1]!.index > index) at--;
    this.listed.splice(at, 0, { index, reason });
    if (this.listed.length > MAX_LISTED_PROBLEMS) {
      this.listed.pop();
      this.unlisted++;
    }
  }

  get size(): number {
    return this.listed.length + this.unlisted;
  }

  /** The 400 refusing the batch, each listed problem as `<label>: <reason>`. */
  refusal(label: (index: number) => string): RecordProblemsError {
    return new RecordProblemsError(
      this.listed.map((p) => `${label(p.index)}: ${p.reason}`),
      this.unlisted,
    );
  }
}

/**
 * A 400 for bad records: `problems` lists at most MAX_LISTED_PROBLEMS,
 * `moreProblems` counts the rest, and the message says so after the list.
 */
export class RecordProblemsError extends AppError {
  readonly moreProblems: number;

  constructor(listed: string[], moreProblems: number) {
    super("BAD_REQUEST", listed);
    this.moreProblems = moreProblems;
    if (moreProblems > 0)
      this.message += `; and ${moreProblems} more ${moreProblems === 1 ? "problem" : "problems"} (only the first ${listed.length} are listed)`;
  }
}
