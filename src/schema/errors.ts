import { AppError, ERROR_CODES, type ErrorCode } from "../errors/app-error.ts";
import { builder } from "./builder.ts";

const isErrorCode = (name: string): name is ErrorCode => Object.hasOwn(ERROR_CODES, name);
const ErrorCodeEnum = builder.enumType("ErrorCode", { values: Object.keys(ERROR_CODES).filter(isErrorCode) });

const ErrorInterface = builder.interfaceRef<Error>("Error").implement({
  fields: (t) => ({ message: t.exposeString("message") }),
});

/** An expected failure (bad input, no data, missing permission), returned in the result union. */
builder.objectType(AppError, {
  name: "AppError",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    code: t.expose("code", { type: ErrorCodeEnum }),
    problems: t.exposeStringList("problems", { description: "One entry per problem found." }),
  }),
});
