import { z } from "zod";
import { EXPORT_FORMATS } from "../../exports/export-files.ts";

/** A request's `format` field (every file route): absent means CSV; another value is a 400 naming the accepted ones. */
export const exportFormatField = z
  .enum(EXPORT_FORMATS, { error: (issue) => `"${String(issue.input)}" is not one of ${EXPORT_FORMATS.join(", ")}` })
  .nullish();
