import { describe, expect, test } from "vitest";
import { parseEnv } from "../../src/config/env.ts";

describe("SMTP_URL", () => {
  test("an smtp:// or smtps:// URL is taken as it is", () => {
    expect(parseEnv({ SMTP_URL: "smtps://user:p%25ss@mail.example.com:465" }).smtp).toEqual({
      url: "smtps://user:p%25ss@mail.example.com:465",
      from: "Usage Exports <reports@localhost>",
    });
  });

  test("another scheme, or a URL that can't be read, stops the start naming the setting", () => {
    expect(() => parseEnv({ SMTP_URL: "http://mail.example.com" })).toThrow(
      "Invalid configuration:\n  SMTP_URL: must be an smtp:// or smtps:// URL",
    );
    for (const url of ["smtp://user:100%@mail.example.com", "smtp://%%", "smtp://mail.example.com:port", "smtp://"])
      expect(() => parseEnv({ SMTP_URL: url }), url).toThrow(
        "Invalid configuration:\n  SMTP_URL: is not a valid URL with a host (characters such as % or @ in the password must be percent-encoded)",
      );
  });
});
