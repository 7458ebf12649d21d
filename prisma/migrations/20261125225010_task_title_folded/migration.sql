-- AlterTable
ALTER TABLE "OutreachTask" ADD COLUMN "titleFolded" TEXT;

-- Backfill: titles of printable ASCII only, where lower() is exactly what the JavaScript of
-- the search does. Other titles stay NULL until they are next written, and autocomplete reads NULL
-- rows in full. (No quotes or semicolons in these comments: the schema engine splits on them.)
UPDATE "OutreachTask" SET "titleFolded" = lower("title") WHERE "title" NOT GLOB '*[^ -~]*';
