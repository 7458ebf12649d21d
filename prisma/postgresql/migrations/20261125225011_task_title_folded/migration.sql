-- AlterTable
ALTER TABLE "OutreachTask" ADD COLUMN     "titleFolded" TEXT;

-- Backfill: titles of printable ASCII only, A-Z folded to a-z by translate whatever the
-- locale of the database (lower follows it, and Turkish rules fold I to a dotless i). Other
-- titles stay NULL until they are next written, and autocomplete reads NULL rows in full.
-- (No quotes or semicolons in these comments: the schema engine splits on them.)
UPDATE "OutreachTask"
SET "titleFolded" = translate("title", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
WHERE "title" ~ '^[ -~]*$';
