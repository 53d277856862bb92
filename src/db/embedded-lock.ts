// STUB — to be implemented (CLI/lock helper). Interface is fixed.
/** Held by the one process that may open the embedded PGlite directory. */
export interface EmbeddedLock {
  release(): Promise<void>;
}

/** How a running server can be reached by a CLI on the same DATA_DIR. */
export interface ServerAdvert {
  url: string;
  token: string;
  pid: number;
}

/** Takes the embedded database's lock, or returns null when another live process holds it. */
export async function acquireEmbeddedLock(_dataDir: string): Promise<EmbeddedLock | null> {
  return { release: async () => {} };
}

export async function writeServerAdvert(_dataDir: string, _advert: ServerAdvert): Promise<void> {}
export async function readServerAdvert(_dataDir: string): Promise<ServerAdvert | null> {
  return null;
}
export async function removeServerAdvert(_dataDir: string): Promise<void> {}
