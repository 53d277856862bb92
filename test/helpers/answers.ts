import { z } from "zod";

// Schemas of the HTTP answers tests read, so a test reads a checked value, not
// a cast: a differently shaped answer fails where it is parsed. Only the
// fields tests look at are listed (zod drops the others).

/** POST /export/<type>: a finished export. */
export const ExportAnswer = z.object({
  data: z.object({ filePath: z.string(), downloadUrl: z.string(), recordCount: z.number() }),
});
