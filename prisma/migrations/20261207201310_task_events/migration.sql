-- AlterTable: added columns only (no table rebuild), so columns other migrations add stay.
ALTER TABLE "OutreachTask" ADD COLUMN "startsAt" DATETIME;
ALTER TABLE "OutreachTask" ADD COLUMN "eventWanted" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "OutreachTask" ADD COLUMN "eventId" TEXT;
ALTER TABLE "OutreachTask" ADD COLUMN "eventHash" TEXT;
ALTER TABLE "OutreachTask" ADD COLUMN "eventProblem" TEXT;
ALTER TABLE "OutreachTask" ADD COLUMN "eventInterested" INTEGER;
