-- The public progress page: off by default; the slug is set the first time it is turned on.
ALTER TABLE "Campaign" ADD COLUMN "webPage" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Campaign" ADD COLUMN "webSlug" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Campaign_webSlug_key" ON "Campaign"("webSlug");
