import { DateTime } from "luxon";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { buildDirectory, directoryRecords } from "../../src/demo/demo-directory.ts";
import { usageRecords } from "../../src/demo/demo-usage.ts";
import { Random } from "../../src/demo/random.ts";

// A fixed clock: Wednesday 2026-06-17, 15:30 in Berlin.
const NOW = new Date("2026-06-17T13:30:00Z");
const DAY = 86_400_000;

/** A demo usage record, as far as these tests read it (a loose object: its other fields are kept). */
const UsageRecord = z.looseObject({
  type: z.enum(["message", "api_request"]),
  occurredAt: z.string(),
  userId: z.string().optional(),
  surface: z.string().optional(),
  action: z.string().optional(),
  model: z.string(),
  provider: z.string(),
  source: z.string(),
  deploymentId: z.string().optional(),
  conversationId: z.string().optional(),
});

/** The demo's records exactly as seedDemoWorkspace builds them, without a database. */
function generate(seed: number, days = 90) {
  const rng = new Random(seed);
  const start = new Date(NOW.getTime() - days * DAY);
  const dir = buildDirectory(rng, start, NOW);
  const since = new Date(start.getTime() - DAY);
  const records = directoryRecords(dir, since, rng, NOW);
  const usage = z.array(UsageRecord).parse(usageRecords(rng, dir, { now: NOW, days, timezone: "Europe/Berlin" }));
  return { dir, since, ...records, usage };
}

let standard: ReturnType<typeof generate> | undefined;
/** The default seed's records, generated once for the tests that only read them. */
const standardDemo = () => (standard ??= generate(20_240_917));

describe("demo data generator", () => {
  test("the same seed and clock give the same records; another seed does not", () => {
    const a = generate(7);
    expect(generate(7)).toEqual(a);
    expect(generate(8).usage).not.toEqual(a.usage);
  });

  test("a company of 60 people, 8 agents, 5 projects, 3 API keys and 2 BYOK deployments, ~25,000 usage records", () => {
    const { dir, initial, usage } = standardDemo();
    expect([dir.users.length, dir.agents.length, dir.projects.length, dir.apiKeys.length, dir.deployments.length]).toEqual([
      60, 8, 5, 3, 2,
    ]);
    expect(initial.length).toBe(78);
    expect(usage.length).toBeGreaterThan(22_000);
    expect(usage.length).toBeLessThan(28_000);
    expect(new Set(dir.users.map((u) => u.email)).size).toBe(60);
    expect(dir.users.filter((u) => u.removedAt).length).toBe(2);
    expect(new Set(dir.users.map((u) => u.role))).toEqual(new Set(["owner", "admin", "member"]));
    expect(new Set(dir.users.map((u) => u.licenseType))).toEqual(new Set(["enterprise", "pro"]));
  });

  test("messages use all surfaces, sources and actions (on a minority); API requests come from the API", () => {
    const { usage } = standardDemo();
    const messages = usage.filter((r) => r.type === "message");
    const requests = usage.filter((r) => r.type === "api_request");
    expect(new Set(messages.map((m) => m.surface))).toEqual(new Set(["chat", "agent", "project"]));
    expect(new Set(messages.map((m) => m.source))).toEqual(new Set(["WEB", "MOBILE", "SLACK"]));
    expect(new Set(requests.map((r) => r.source))).toEqual(new Set(["API"]));
    expect(new Set(messages.filter((m) => m.action).map((m) => m.action))).toEqual(
      new Set(["canvas", "web_search", "file_analysis", "code_execution", "Hubspot_create_contact", "Slack_send_message"]),
    );
    const withAction = messages.filter((m) => m.action).length / messages.length;
    expect(withAction).toBeGreaterThan(0.05);
    expect(withAction).toBeLessThan(0.25);
    expect(new Set(usage.map((r) => `${r.provider}/${r.model}`))).toEqual(
      new Set(["openai/gpt-4o-2024-08-06", "openai/gpt-4o-mini", "anthropic/claude-3-5-sonnet-20241022", "google/gemini-1.5-pro-002"]),
    );
    expect(messages.every((m) => m.conversationId?.startsWith("conv_"))).toBe(true);
  });

  test("BYOK records name a deployment serving their model", () => {
    const { dir, usage } = standardDemo();
    const modelOf = new Map(dir.deployments.map((d) => [d.id, d.model]));
    const byok = usage.filter((r) => r.deploymentId);
    expect(byok.length).toBeGreaterThan(1000);
    expect(byok.every((r) => modelOf.get(r.deploymentId!) === r.model)).toBe(true);
  });

  test("nothing happens after now, before the directory exists, or outside a person's membership", () => {
    const { dir, since, usage } = standardDemo();
    const users = new Map(dir.users.map((u) => [u.id, u]));
    for (const r of usage) {
      const at = Date.parse(r.occurredAt);
      expect(at <= NOW.getTime() && at >= since.getTime()).toBe(true);
      if (r.userId) {
        const u = users.get(r.userId)!;
        expect(at >= u.joinedAt.getTime() && (!u.removedAt || at < u.removedAt.getTime())).toBe(true);
      }
    }
  });

  test("working days are busy and weekends quiet", () => {
    const { usage } = standardDemo();
    const perDay = new Map<string, number>();
    for (const r of usage.filter((u) => u.type === "message")) {
      const day = DateTime.fromISO(r.occurredAt, { zone: "Europe/Berlin" }).toISODate()!;
      perDay.set(day, (perDay.get(day) ?? 0) + 1);
    }
    const mean = (weekend: boolean) => {
      const counts = [...perDay].filter(([d]) => DateTime.fromISO(d).weekday >= 6 === weekend).map(([, n]) => n);
      return counts.reduce((a, b) => a + b, 0) / counts.length;
    };
    expect(mean(true) / mean(false)).toBeLessThan(0.25);
  });
});
