import { Readable } from "node:stream";
import { LocalDirectoryStore } from "../../src/storage/local-directory-store.ts";

/**
 * A local store whose files, once opened, give `firstBytes` and then fail with
 * EIO after `afterMs`, as a failing disk would midway through a read.
 */
export function breakingStore(root: string, firstBytes: string, afterMs: number): LocalDirectoryStore {
  class BreakingStore extends LocalDirectoryStore {
    override async open(key: string) {
      const real = await super.open(key);
      if (!real) return null;
      real.stream.destroy();
      const stream = new Readable({ read() {} });
      stream.push(firstBytes);
      setTimeout(() => stream.destroy(Object.assign(new Error("EIO: i/o error, read"), { code: "EIO" })), afterMs);
      return { ...real, stream };
    }
  }
  return new BreakingStore(root);
}
