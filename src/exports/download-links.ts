import { createHmac, timingSafeEqual } from "node:crypto";

/** Mounted path of signed downloads. */
export const DOWNLOAD_PREFIX = "/downloads/";

const sign = (secret: string, filePath: string, expires: number) =>
  createHmac("sha256", secret).update(`${filePath}\n${expires}`).digest("hex");

/** An absolute link to an export file, valid until `expiresAt`. */
export function signedDownloadUrl(secret: string, baseUrl: string, filePath: string, expiresAt: Date): string {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  const path = filePath.split("/").map(encodeURIComponent).join("/");
  return `${baseUrl}${DOWNLOAD_PREFIX}${path}?expires=${expires}&signature=${sign(secret, filePath, expires)}`;
}

/** Why a link is refused, or null when it is good at `now`. */
export function checkDownloadSignature(
  secret: string,
  filePath: string,
  expires: string | null,
  signature: string | null,
  now: Date,
): string | null {
  if (!expires || !/^\d+$/.test(expires) || !signature) return "The download link is incomplete";
  const expected = Buffer.from(sign(secret, filePath, Number(expires)), "hex");
  const given = Buffer.from(signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "The download link signature is invalid";
  if (Number(expires) * 1000 < now.getTime()) return "The download link has expired";
  return null;
}
