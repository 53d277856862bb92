import type { AddressInfo } from "node:net";
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
  if (!(error instanceof DeliveryError)) throw new Error("unreachable: the expectation above failed");
  return error;
}

/** The port of a listening server's address (a TCP one: never a pipe's name). */
export function portOf(address: AddressInfo | string | null): number {
  if (typeof address !== "object" || address === null) throw new Error(`not a TCP address: ${address}`);
  return address.port;
}
