-- Every primary key and unique constraint of a per-workspace table leads with
-- workspace_id, so each table can be hash-distributed by it on Citus and its
-- constraints enforced inside one shard (docs/scale-out.md, src/db/distribution.ts).
-- Report runs and delivery attempts gain the column, copied from their parent,
-- and reference their parent by (workspace_id, id). Foreign keys on workspace_id
-- no longer cascade updates: Citus refuses ON UPDATE CASCADE on a distribution
-- column, and workspace ids never change.

-- The foreign keys that depend on the keys being replaced go first.
ALTER TABLE "delivery_attempts" DROP CONSTRAINT "delivery_attempts_run_id_fkey";
ALTER TABLE "report_runs" DROP CONSTRAINT "report_runs_subscription_id_fkey";

-- exports
ALTER TABLE "exports" DROP CONSTRAINT "exports_pkey";
ALTER TABLE "exports" ADD CONSTRAINT "exports_pkey" PRIMARY KEY ("workspace_id", "id");
DROP INDEX "exports_file_path_key";
CREATE UNIQUE INDEX "exports_workspace_id_file_path_key" ON "exports"("workspace_id", "file_path");
ALTER TABLE "exports" DROP CONSTRAINT "exports_workspace_id_fkey";
ALTER TABLE "exports" ADD CONSTRAINT "exports_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- export_jobs (its keys already lead with workspace_id)
ALTER TABLE "export_jobs" DROP CONSTRAINT "export_jobs_workspace_id_fkey";
ALTER TABLE "export_jobs" ADD CONSTRAINT "export_jobs_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- report_subscriptions: the primary key now serves the by-workspace lookups its own index did.
ALTER TABLE "report_subscriptions" DROP CONSTRAINT "report_subscriptions_pkey";
ALTER TABLE "report_subscriptions" ADD CONSTRAINT "report_subscriptions_pkey" PRIMARY KEY ("workspace_id", "id");
DROP INDEX "report_subscriptions_workspace_id_idx";
ALTER TABLE "report_subscriptions" DROP CONSTRAINT "report_subscriptions_workspace_id_fkey";
ALTER TABLE "report_subscriptions" ADD CONSTRAINT "report_subscriptions_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- report_runs
ALTER TABLE "report_runs" ADD COLUMN "workspace_id" TEXT;
UPDATE "report_runs" r SET "workspace_id" = s."workspace_id" FROM "report_subscriptions" s WHERE s."id" = r."subscription_id";
ALTER TABLE "report_runs" ALTER COLUMN "workspace_id" SET NOT NULL;
ALTER TABLE "report_runs" DROP CONSTRAINT "report_runs_pkey";
ALTER TABLE "report_runs" ADD CONSTRAINT "report_runs_pkey" PRIMARY KEY ("workspace_id", "id");
DROP INDEX "report_runs_dedupe_key_key";
CREATE UNIQUE INDEX "report_runs_workspace_id_dedupe_key_key" ON "report_runs"("workspace_id", "dedupe_key");
DROP INDEX "report_runs_subscription_id_due_at_idx";
CREATE INDEX "report_runs_workspace_id_subscription_id_due_at_idx" ON "report_runs"("workspace_id", "subscription_id", "due_at");
ALTER TABLE "report_runs" ADD CONSTRAINT "report_runs_workspace_id_subscription_id_fkey" FOREIGN KEY ("workspace_id", "subscription_id") REFERENCES "report_subscriptions"("workspace_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- delivery_attempts
ALTER TABLE "delivery_attempts" ADD COLUMN "workspace_id" TEXT;
UPDATE "delivery_attempts" a SET "workspace_id" = r."workspace_id" FROM "report_runs" r WHERE r."id" = a."run_id";
ALTER TABLE "delivery_attempts" ALTER COLUMN "workspace_id" SET NOT NULL;
ALTER TABLE "delivery_attempts" DROP CONSTRAINT "delivery_attempts_pkey";
ALTER TABLE "delivery_attempts" ADD CONSTRAINT "delivery_attempts_pkey" PRIMARY KEY ("workspace_id", "id");
DROP INDEX "delivery_attempts_run_id_attempt_key";
CREATE UNIQUE INDEX "delivery_attempts_workspace_id_run_id_attempt_key" ON "delivery_attempts"("workspace_id", "run_id", "attempt");
ALTER TABLE "delivery_attempts" ADD CONSTRAINT "delivery_attempts_workspace_id_run_id_fkey" FOREIGN KEY ("workspace_id", "run_id") REFERENCES "report_runs"("workspace_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION;
