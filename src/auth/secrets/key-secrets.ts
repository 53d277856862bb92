import { createHash, randomBytes } from "node:crypto";
import type { AccessRole } from "../../generated/prisma/enums.ts";

// Minting ids and key secrets needs nothing of workspaces or the database, so it sits
// below both src/auth (which reads keys with their workspace) and src/workspaces
// (whose creation mints the first admin key).

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const LOWER_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyz";
const KEY_PREFIX = "ue_";
const SECRET_LENGTH = 40;
/** Enough of the key to tell keys apart in a listing, too little to guess the rest. */
const SHOWN_PREFIX_LENGTH = 10;

/**
 * `length` characters drawn uniformly from `alphabet`. Bytes that would bias the
 * draw (256 is not a multiple of 62) are thrown away rather than folded in.
 */
function randomString(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

export const randomId = (prefix: string, length = 12) => prefix + randomString(LOWER_ALNUM, length);

export const hashApiKey = (apiKey: string) => createHash("sha256").update(apiKey, "utf8").digest("hex");

/** A new key's row (only its hash) and the secret, which is shown once and never stored. */
export function newAccessKey(role: AccessRole, name?: string) {
  const apiKey = KEY_PREFIX + randomString(BASE62, SECRET_LENGTH);
  return {
    apiKey,
    row: {
      id: randomId("key_"),
      name: name?.trim() || `${role} key`,
      role,
      hash: hashApiKey(apiKey),
      prefix: apiKey.slice(0, SHOWN_PREFIX_LENGTH),
    },
  };
}
