/** A Node system error (`ENOENT`, `EACCES`, zlib's `Z_…`): an Error with a string `code`. */
export function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && "code" in error && typeof error.code === "string";
}

/** The error's system code, if it has one. */
export const errnoCode = (error: unknown): string | undefined => (isErrnoException(error) ? error.code : undefined);

/** What an error says, whatever was thrown. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
