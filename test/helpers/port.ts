import type { AddressInfo } from "node:net";

/** The TCP port a listening server (node:net or node:http) is bound to. */
export function portOf(server: { address(): AddressInfo | string | null }): number {
  const address = server.address();
  if (address === null || typeof address === "string")
    throw new Error(`The server is not listening on a TCP port (address: ${String(address)})`);
  return address.port;
}
