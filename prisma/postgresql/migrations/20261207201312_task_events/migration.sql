-- AlterTable
ALTER TABLE "OutreachTask" ADD COLUMN     "eventHash" TEXT,
ADD COLUMN     "eventId" TEXT,
ADD COLUMN     "eventInterested" INTEGER,
ADD COLUMN     "eventProblem" TEXT,
ADD COLUMN     "eventWanted" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "startsAt" TIMESTAMP(3);
