-- CreateTable
CREATE TABLE "PostedMessage" (
    "id" SERIAL NOT NULL,
    "guildId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PostedMessage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PostedMessage_guildId_idx" ON "PostedMessage"("guildId");
