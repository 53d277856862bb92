import type { Prisma } from "../generated/prisma/client.ts";
import type { Database } from "./client.ts";

/** Thrown inside the cursor's transaction when the reader stops early: rolls it back. */
class ReaderStopped extends Error {}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // a batch nobody waits for any more must not crash the process
  return { promise, resolve, reject };
}

/**
 * Reads a query's rows in batches through a server-side cursor, so a million-row
 * export holds one batch in memory, not the whole result. The cursor lives in a
 * transaction that waits while the reader writes each batch; leaving the loop
 * early rolls it back. On embedded PGlite the transaction holds the only
 * connection, so the reader must not query the database between batches.
 */
export async function* cursorBatches<Row>(
  db: Database,
  query: Prisma.Sql,
  batchSize: number,
  opts: { onTotal?: (rows: number) => void } = {},
): AsyncGenerator<Row[], void, undefined> {
  let next = deferred<Row[] | null>();
  let resume = deferred<boolean>();
  const run = db.prisma.$transaction(
    async (tx) => {
      if (opts.onTotal && db.kind === "postgres") {
        // For a progress total: the server keeps the result (spilling to disk) and reports its size.
        await tx.$executeRaw`declare batch_rows scroll cursor for ${query}`;
        opts.onTotal(await tx.$executeRawUnsafe("move forward all in batch_rows"));
        await tx.$executeRawUnsafe("move absolute 0 in batch_rows");
      } else {
        // PGlite's adapter reports no row count for MOVE: count by running the query once more.
        if (opts.onTotal) {
          const [{ n }] = await tx.$queryRaw<[{ n: number }]>`select count(*)::int as n from (${query}) q`;
          opts.onTotal(n);
        }
        await tx.$executeRaw`declare batch_rows no scroll cursor for ${query}`;
      }
      for (;;) {
        const rows = await tx.$queryRawUnsafe<Row[]>(`fetch forward ${batchSize} from batch_rows`);
        if (rows.length === 0) return;
        next.resolve(rows);
        const goOn = await resume.promise;
        resume = deferred();
        if (!goOn) throw new ReaderStopped();
      }
    },
    // An export of a large workspace may take minutes; the default 5 s would cut it off.
    { timeout: 60 * 60_000, maxWait: 60_000 },
  );
  run.then(
    () => next.resolve(null),
    (error: unknown) => next.reject(error),
  );
  try {
    for (;;) {
      const rows = await next.promise;
      if (rows === null) return;
      next = deferred();
      yield rows;
      resume.resolve(true);
    }
  } finally {
    resume.resolve(false);
    await run.catch((error: unknown) => {
      if (!(error instanceof ReaderStopped)) throw error;
    });
  }
}
