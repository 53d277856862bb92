-- CreateEnum
CREATE TYPE "report_cadence" AS ENUM ('weekly', 'monthly');

-- CreateEnum
CREATE TYPE "report_channel" AS ENUM ('email', 'slack');

-- CreateEnum
CREATE TYPE "report_run_kind" AS ENUM ('scheduled', 'test', 'resend');

-- CreateEnum
CREATE TYPE "report_run_status" AS ENUM ('pending', 'running', 'delivered', 'failed');

-- CreateTable
CREATE TABLE "report_subscriptions" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "cadence" "report_cadence" NOT NULL,
    "weekday" INTEGER,
    "day_of_month" INTEGER,
    "time" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "types" JSONB NOT NULL,
    "channel" "report_channel" NOT NULL,
    "recipients" TEXT[],
    "slack_channel_id" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "scheduled_from" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "report_subscriptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "report_runs" (
    "id" TEXT NOT NULL,
    "subscription_id" TEXT NOT NULL,
    "kind" "report_run_kind" NOT NULL,
    "dedupe_key" TEXT,
    "period_start" TEXT NOT NULL,
    "period_end" TEXT NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "status" "report_run_status" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "lease_until" TIMESTAMPTZ(3),
    "lease_owner" TEXT,
    "zip_path" TEXT,
    "delivered_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "report_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "delivery_attempts" (
    "id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    "outcome" TEXT,
    "error" TEXT,
    "detail" TEXT,

    CONSTRAINT "delivery_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "report_subscriptions_workspace_id_idx" ON "report_subscriptions"("workspace_id");

-- CreateIndex
CREATE UNIQUE INDEX "report_runs_dedupe_key_key" ON "report_runs"("dedupe_key");

-- CreateIndex
CREATE INDEX "report_runs_status_next_attempt_at_idx" ON "report_runs"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "report_runs_subscription_id_due_at_idx" ON "report_runs"("subscription_id", "due_at");

-- CreateIndex
CREATE UNIQUE INDEX "delivery_attempts_run_id_attempt_key" ON "delivery_attempts"("run_id", "attempt");

-- AddForeignKey
ALTER TABLE "report_subscriptions" ADD CONSTRAINT "report_subscriptions_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "report_runs" ADD CONSTRAINT "report_runs_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "report_subscriptions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delivery_attempts" ADD CONSTRAINT "delivery_attempts_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "report_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

