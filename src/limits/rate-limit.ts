import type { IncomingMessage } from "node:http";
import type pg from "pg";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import type { AppContext } from "../runtime/context.ts";
import { AppError } from "../errors/app-error.ts";

const MINUTE_SECONDS = 60;

/** 429 with the seconds to wait; the HTTP layer turns it into a `Retry-After` header. */
export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super("RATE_LIMITED", message);
  }
}

const secondsUntil = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

interface PerKeyLimiter {
  consume(key: string): Promise<void>;
}

/**
 * A per-key budget of requests per minute. On PostgreSQL the counts live in the
 * database (table rate_limits), so every instance draws on the same budget; a
 * database that fails to answer falls back to this process's own counts rather
 * than refusing or admitting everything. On the embedded database, which one
 * process owns, they live in memory.
 */
function perKeyLimiter(what: string, perMinute: number, pool: pg.Pool | null): PerKeyLimiter {
  if (perMinute === 0) return { consume: async (_key: string) => undefined };
  const options = { points: perMinute, duration: MINUTE_SECONDS, keyPrefix: what.replace(/ /g, "-") };
  const limiter = pool
    ? new RateLimiterPostgres({
        ...options,
        storeClient: pool,
        storeType: "pool",
        tableName: "rate_limits",
        // Created by a migration: the limiter never issues DDL of its own.
        tableCreated: true,
        insuranceLimiter: new RateLimiterMemory(options),
      })
    : new RateLimiterMemory(options);
  return {
    async consume(key: string): Promise<void> {
      try {
        await limiter.consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        const seconds = secondsUntil(rejection);
        throw new RateLimitedError(
          seconds,
          `Rate limit of ${perMinute} ${what} per minute exceeded for this API key; retry after ${seconds} seconds`,
        );
      }
    },
  };
}

interface FailureThrottle {
  /**
   * Runs one authentication attempt from `address`. While the address has used up
   * its failures the attempt is refused (429) without running, whatever key it
   * carries: otherwise a right guess would still get through. Only attempts that
   * fail with an error `counts` accepts use up the budget.
   */
  attempt<T>(address: string, run: () => Promise<T>, counts: (error: unknown) => boolean): Promise<T>;
}

/** A budget of failed authentications per client address and window (key guessing). */
function failureThrottle(failures: number, windowSeconds: number): FailureThrottle {
  if (failures === 0) return { attempt: (_address, run) => run() };
  const limiter = new RateLimiterMemory({ points: failures, duration: windowSeconds });
  const window = windowSeconds % 60 === 0 ? `${windowSeconds / 60} minutes` : `${windowSeconds} seconds`;
  return {
    async attempt(address, run, counts) {
      const used = await limiter.get(address);
      if (used && used.consumedPoints >= failures) {
        const seconds = secondsUntil(used);
        throw new RateLimitedError(
          seconds,
          `Too many failed sign-ins or invalid API keys from this address (${failures} in ${window}); retry after ${seconds} seconds`,
        );
      }
      try {
        return await run();
      } catch (error) {
        // penalty, not consume: it never rejects, the check above does the refusing.
        if (counts(error)) await limiter.penalty(address, 1);
        throw error;
      }
    },
  };
}

/** The socket's peer: behind a reverse proxy that is the proxy, so every client shares one budget. */
export const clientAddress = (req: IncomingMessage) => req.socket.remoteAddress ?? "unknown";

export interface AppLimits {
  exports: PerKeyLimiter;
  ingest: PerKeyLimiter;
  authFailures: FailureThrottle;
}

const limitsByApp = new WeakMap<AppContext, AppLimits>();

/**
 * The process's limiters for an app, made on first use. REST and GraphQL both
 * take them from here, so an export made either way uses the same per-key budget.
 */
export function limitsOf(app: AppContext): AppLimits {
  let limits = limitsByApp.get(app);
  if (!limits) {
    const r = app.env.rateLimits;
    limits = {
      exports: perKeyLimiter("export requests", r.exportsPerMinute, app.db.sharedPool),
      ingest: perKeyLimiter("ingest requests", r.ingestPerMinute, app.db.sharedPool),
      authFailures: failureThrottle(r.authFailuresPerAddress, r.authFailureWindowSeconds),
    };
    limitsByApp.set(app, limits);
  }
  return limits;
}
