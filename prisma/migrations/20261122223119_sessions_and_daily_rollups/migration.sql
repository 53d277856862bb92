-- AlterTable
ALTER TABLE "workspaces" ADD COLUMN     "data_version" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "access_key_id" TEXT NOT NULL,
    "csrf_token" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "usage_daily" (
    "workspace_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "kind" "usage_kind" NOT NULL,
    "user_id" TEXT NOT NULL,
    "api_key_id" TEXT NOT NULL,
    "surface" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "deployment_id" TEXT NOT NULL,
    "with_conversation" BOOLEAN NOT NULL,
    "records" INTEGER NOT NULL,
    "prompt_tokens" BIGINT NOT NULL,
    "completion_tokens" BIGINT NOT NULL,
    "cached_prompt_tokens" BIGINT NOT NULL,
    "cache_creation_tokens" BIGINT NOT NULL,
    "min_prompt_tokens" INTEGER NOT NULL,
    "max_prompt_tokens" INTEGER NOT NULL,
    "min_completion_tokens" INTEGER NOT NULL,
    "max_completion_tokens" INTEGER NOT NULL,
    "cost_usd" DECIMAL(24,9) NOT NULL,
    "payg_cost_usd" DECIMAL(24,9) NOT NULL,

    CONSTRAINT "usage_daily_pkey" PRIMARY KEY ("workspace_id","day","kind","user_id","api_key_id","surface","agent_id","project_id","action","model","provider","source","deployment_id","with_conversation")
);

-- CreateTable
CREATE TABLE "usage_daily_models" (
    "workspace_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "model" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "deployment_id" TEXT NOT NULL,
    "records" INTEGER NOT NULL,
    "prompt_tokens" BIGINT NOT NULL,
    "completion_tokens" BIGINT NOT NULL,
    "cached_prompt_tokens" BIGINT NOT NULL,
    "cache_creation_tokens" BIGINT NOT NULL,
    "cost_usd" DECIMAL(24,9) NOT NULL,

    CONSTRAINT "usage_daily_models_pkey" PRIMARY KEY ("workspace_id","day","model","provider","source","deployment_id")
);

-- CreateTable
CREATE TABLE "usage_daily_conversations" (
    "workspace_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "agent_id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,

    CONSTRAINT "usage_daily_conversations_pkey" PRIMARY KEY ("workspace_id","day","agent_id","conversation_id")
);

-- CreateIndex
CREATE INDEX "sessions_access_key_id_idx" ON "sessions"("access_key_id");

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_access_key_id_fkey" FOREIGN KEY ("access_key_id") REFERENCES "access_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;

