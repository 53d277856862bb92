-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "access_role" AS ENUM ('admin', 'export', 'ingest');

-- CreateEnum
CREATE TYPE "directory_kind" AS ENUM ('user', 'agent', 'project', 'api_key', 'deployment');

-- CreateEnum
CREATE TYPE "usage_kind" AS ENUM ('message', 'api_request');

-- CreateEnum
CREATE TYPE "surface" AS ENUM ('chat', 'agent', 'project');

-- CreateTable
CREATE TABLE "workspaces" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "first_weekday" INTEGER NOT NULL DEFAULT 0,
    "byok" BOOLEAN NOT NULL DEFAULT false,
    "user_level_data" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workspaces_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "access_keys" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "access_role" NOT NULL,
    "hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "access_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "directory_versions" (
    "workspace_id" TEXT NOT NULL,
    "kind" "directory_kind" NOT NULL,
    "entity_id" TEXT NOT NULL,
    "effective_at" TIMESTAMPTZ(3) NOT NULL,
    "attrs" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "directory_versions_pkey" PRIMARY KEY ("workspace_id","kind","entity_id","effective_at")
);

-- CreateTable
CREATE TABLE "usage_records" (
    "workspace_id" TEXT NOT NULL,
    "kind" "usage_kind" NOT NULL,
    "id" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "user_id" TEXT,
    "api_key_id" TEXT,
    "surface" "surface",
    "agent_id" TEXT,
    "project_id" TEXT,
    "conversation_id" TEXT,
    "action" TEXT,
    "model" TEXT NOT NULL,
    "model_raw" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "deployment_id" TEXT,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "completion_tokens" INTEGER NOT NULL DEFAULT 0,
    "cached_prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "cache_creation_tokens" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" DECIMAL(20,9) NOT NULL DEFAULT 0,
    "payg_cost_usd" DECIMAL(20,9) NOT NULL DEFAULT 0,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_records_pkey" PRIMARY KEY ("workspace_id","kind","id")
);

-- CreateTable
CREATE TABLE "exports" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "data_type" TEXT NOT NULL,
    "group_by" TEXT,
    "file_path" TEXT NOT NULL,
    "record_count" INTEGER NOT NULL,
    "range_from" TIMESTAMPTZ(3) NOT NULL,
    "range_to" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "exports_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "access_keys_hash_key" ON "access_keys"("hash");

-- CreateIndex
CREATE INDEX "access_keys_workspace_id_idx" ON "access_keys"("workspace_id");

-- CreateIndex
CREATE INDEX "usage_records_workspace_id_occurred_at_idx" ON "usage_records"("workspace_id", "occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "exports_file_path_key" ON "exports"("file_path");

-- CreateIndex
CREATE INDEX "exports_workspace_id_created_at_idx" ON "exports"("workspace_id", "created_at");

-- AddForeignKey
ALTER TABLE "access_keys" ADD CONSTRAINT "access_keys_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "exports" ADD CONSTRAINT "exports_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

