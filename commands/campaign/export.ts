/** `/campaign export`: a campaign's tasks and claims as a CSV file, for organizers. */
import { ApplicationCommandOptionType } from "discord.js";
import { parseCampaignId } from "../../src/domain/campaigns.ts";
import { UserError } from "../../src/domain/errors.ts";
import { hasAccess } from "../../src/domain/permissions.ts";
import { exportCampaignRows } from "../../src/domain/privacy.ts";
import { csvFile } from "../../src/domain/taskImport.ts";
import type { HandlerResult, InteractionContext } from "../../src/discord/command.ts";
import { localizedDescription } from "../../src/discord/commandData.ts";
import { option, options } from "../../src/discord/declaredOptions.ts";
import { showText } from "../../src/discord/render/text.ts";
import { campaignOption } from "./options.ts";

export const exportOptions = options(
  campaignOption,
  option({
    type: ApplicationCommandOptionType.Boolean,
    name: "include_members",
    ...localizedDescription("commands.campaign.options.include_members"),
  }),
);

/**
 * A CSV of tasks and claims without identities: volunteers appear as numbers, with no proof
 * links or locations. `include_members` (Manage Server only) puts them in, and is audited.
 */
export async function exportCampaign(
  input: { campaign: string; include_members?: boolean | undefined },
  context: InteractionContext,
): Promise<HandlerResult> {
  const { t } = context;
  const includeMembers = input.include_members === true;
  // Organizers may export; naming members is for those who manage the server.
  if (
    includeMembers &&
    !hasAccess("manager", {
      permissions: context.memberPermissions,
      roleIds: context.memberRoleIds,
      organizerRoleId: context.settings.organizerRoleId,
    })
  )
    throw new UserError("campaign.exportMembersManagerOnly");
  const { campaign, rows } = await exportCampaignRows(
    context.db,
    context.guildId,
    parseCampaignId(input.campaign),
    { includeMembers, actorId: context.userId },
  );
  const cells = rows.map((row) => [
    String(row.taskNumber),
    row.task,
    row.kind,
    row.location,
    String(row.slots),
    row.due,
    row.taskStatus,
    row.anonymous && row.volunteer
      ? t("campaign.exportVolunteer", { number: row.volunteer })
      : row.volunteer,
    row.claimStatus,
    row.claimedAt,
    row.closedAt,
    row.proofLink,
  ]);
  const title = showText(campaign.title, 100);
  return {
    type: "reply",
    ephemeral: true,
    message: {
      content: includeMembers
        ? t("campaign.exportReadyMembers", { title })
        : t("campaign.exportReady", { title }),
      files: [
        {
          name: `campaign-${campaign.number}.csv`,
          data: csvFile(t("campaign.exportHeader"), cells),
        },
      ],
    },
  };
}
