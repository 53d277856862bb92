import type { Prisma } from "../generated/prisma/client.ts";
import type { Reads } from "./client.ts";

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
 * export holds two batches in memory (the one being written, the next being
 * read), not the whole result. The cursor lives in a read-only transaction that
 * waits while the reader writes each batch; leaving the loop early rolls it
 * back. Rows come from the driver as `read` gives them.
 * `db` is the primary or its replica (`Database.replica`, for usage exports).
 * On embedded PGlite the transaction holds the only session, so the reader must
 * not query the database between batches. `parallel`: read the query's result
 * computed first, with parallel workers where the database has them
 * (`RawSession.cursorSource`): for queries that aggregate many records into few rows.
 */
export async function* cursorBatches<Row>(
  db: Reads,
  query: Prisma.Sql,
  batchSize: number,
  opts: { onTotal?: (rows: number) => void; parallel?: boolean } = {},
): AsyncGenerator<Row[], void, undefined> {
  let next = deferred<Row[] | null>();
  let resume = deferred<boolean>();
  const run = db.inReadTransaction(async (session) => {
    if (opts.onTotal) {
      // A progress total costs running the query once more: only the CLI asks for it.
      const [count] = await session.query<{ n: number }>(`select count(*)::int as n from (${query.text}) q`, query.values);
      opts.onTotal(count?.n ?? 0);
    }
    const source = opts.parallel && session.cursorSource ? await session.cursorSource(query) : query;
    await session.query(`declare batch_rows no scroll cursor for ${source.text}`, source.values);
    const fetch = () => session.query<Row>(`fetch forward ${batchSize} from batch_rows`);
    let pending = fetch();
    for (;;) {
      const rows = await pending;
      if (rows.length === 0) return;
      // The next batch is read while the reader writes this one: the database
      // and the process work side by side (one statement in flight at a time).
      pending = rows.length < batchSize ? Promise.resolve([]) : fetch();
      pending.catch(() => undefined); // awaited below, or before the rollback
      next.resolve(rows);
      const goOn = await resume.promise;
      resume = deferred();
      if (!goOn) {
        await pending.catch(() => undefined);
        throw new ReaderStopped();
      }
    }
  });
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
