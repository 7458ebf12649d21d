-- Summary days are a list of weekdays ("mon,thu"): the three presets stored before become their lists.
UPDATE "SummarySchedule" SET "days" = 'mon,tue,wed,thu,fri,sat,sun' WHERE "days" = 'daily';
UPDATE "SummarySchedule" SET "days" = 'mon,tue,wed,thu,fri' WHERE "days" = 'weekdays';
UPDATE "SummarySchedule" SET "days" = 'mon' WHERE "days" = 'weekly';
