const KB = 1024;
const MB = 1024 * KB;
const GB = 1024 * MB;

const numbers = new Intl.NumberFormat("en-US");

/** `12,345`. */
export const count = (n: number): string => numbers.format(n);

/** `1 row`, `12,345 rows`. */
export const plural = (n: number, one: string, many: string): string => `${count(n)} ${n === 1 ? one : many}`;

/** A file size as a reader takes it in: `3 KB`, `12.5 MB`, `1.2 GB`. */
function fileSize(bytes: number): string {
  if (bytes < MB) return `${Math.ceil(bytes / KB)} KB`;
  return bytes < GB ? `${(bytes / MB).toFixed(1)} MB` : `${(bytes / GB).toFixed(1)} GB`;
}

/** What a message says in place of an attachment, before the zip's link. */
export const tooLargeNote = (sizeBytes: number): string =>
  `The zip (${fileSize(sizeBytes)}) is too large to attach. Download it (the link expires):`;
