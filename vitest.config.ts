import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineConfig } from "vitest/config";

/**
 * The soak and fault suite (test/soak) runs for minutes of wall time, mostly
 * waiting: started first, it overlaps the rest of the suite instead of adding
 * to it at the end.
 */
class SoakFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const soak = (f: TestSpecification) => f.moduleId.includes("/test/soak/");
    return [...sorted.filter(soak), ...sorted.filter((f) => !soak(f))];
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Generous: CLI and soak tests spawn processes, which slow down many times over on a busy 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Two cores: two busy files at a time, each with its own database, plus a third
    // slot so the soak suite (mostly waiting on its server process) holds none of them.
    maxWorkers: 3,
    sequence: { sequencer: SoakFirst },
  },
});
