-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_GuildSettings" (
    "guildId" TEXT NOT NULL PRIMARY KEY,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "language" TEXT NOT NULL DEFAULT 'en',
    "organizerRoleId" TEXT,
    "announceRoleId" TEXT,
    "claimExpiryDays" INTEGER NOT NULL DEFAULT 3,
    "reviewRequired" BOOLEAN NOT NULL DEFAULT false,
    "reviewChannelId" TEXT,
    "retentionDays" INTEGER NOT NULL DEFAULT 90,
    "actionNetworkKey" TEXT,
    "proofFilesAllowed" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_GuildSettings" ("actionNetworkKey", "announceRoleId", "claimExpiryDays", "createdAt", "guildId", "language", "organizerRoleId", "retentionDays", "reviewChannelId", "reviewRequired", "timezone", "updatedAt") SELECT "actionNetworkKey", "announceRoleId", "claimExpiryDays", "createdAt", "guildId", "language", "organizerRoleId", "retentionDays", "reviewChannelId", "reviewRequired", "timezone", "updatedAt" FROM "GuildSettings";
DROP TABLE "GuildSettings";
ALTER TABLE "new_GuildSettings" RENAME TO "GuildSettings";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
