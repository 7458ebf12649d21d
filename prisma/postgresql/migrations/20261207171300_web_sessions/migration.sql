-- CreateTable
CREATE TABLE "WebSession" (
    "tokenHash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "guildIds" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "WebSession_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateTable
CREATE TABLE "WebLoginState" (
    "stateHash" TEXT NOT NULL,
    "next" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "WebLoginState_pkey" PRIMARY KEY ("stateHash")
);

-- CreateIndex
CREATE INDEX "WebSession_userId_idx" ON "WebSession"("userId");

-- CreateIndex
CREATE INDEX "WebSession_expiresAt_idx" ON "WebSession"("expiresAt");

-- CreateIndex
CREATE INDEX "WebLoginState_expiresAt_idx" ON "WebLoginState"("expiresAt");
