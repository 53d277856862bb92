import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { AppError } from "../errors/app-error.ts";

const MINUTE_SECONDS = 60;

/** 429 with the seconds to wait; the HTTP layer turns it into a `Retry-After` header. */
export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number, message: string) {
    super("RATE_LIMITED", message);
  }
}

/**
 * A per-key budget of requests per minute. Counts live in this process: with
 * several instances each enforces its own share (a shared store such as
 * rate-limiter-flexible's Postgres limiter is the next step).
 */
export function perKeyLimiter(what: string, perMinute: number) {
  if (perMinute === 0) return { consume: async (_key: string) => undefined };
  const limiter = new RateLimiterMemory({ points: perMinute, duration: MINUTE_SECONDS });
  return {
    async consume(key: string): Promise<void> {
      try {
        await limiter.consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        throw new RateLimitedError(
          seconds,
          `Rate limit of ${perMinute} ${what} per minute exceeded for this API key; retry after ${seconds} seconds`,
        );
      }
    },
  };
}
