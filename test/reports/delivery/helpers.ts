import { expect } from "vitest";
import { DeliveryError } from "../../../src/reports/delivery/delivery.ts";

/** Fails a wait that would otherwise hang the run (a server that never closes). */
export const within = <T>(ms: number, what: string, promise: Promise<T>): Promise<T> =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms).unref())]);

/** The DeliveryError a delivery fails with (and a test failure if it succeeds). */
export async function deliveryFailure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}
