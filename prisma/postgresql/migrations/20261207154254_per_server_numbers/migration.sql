-- Campaign and task numbers count from 1 in each server. Existing rows keep the number they
-- showed, their id, and the next number of a server is its highest plus one.

-- AlterTable
ALTER TABLE "Campaign" ADD COLUMN     "number" INTEGER;
UPDATE "Campaign" SET "number" = "id";
ALTER TABLE "Campaign" ALTER COLUMN "number" SET NOT NULL;

-- AlterTable
ALTER TABLE "OutreachTask" ADD COLUMN     "number" INTEGER;
UPDATE "OutreachTask" SET "number" = "id";
ALTER TABLE "OutreachTask" ALTER COLUMN "number" SET NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "Campaign_guildId_number_key" ON "Campaign"("guildId", "number");

-- CreateIndex
CREATE UNIQUE INDEX "OutreachTask_guildId_number_key" ON "OutreachTask"("guildId", "number");
