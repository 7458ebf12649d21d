/** `/campaign export`: a campaign's tasks and claims as a CSV file, for organizers. */
import { parseCampaignId } from "../../src/domain/campaigns.ts";
import { exportCampaignRows } from "../../src/domain/privacy.ts";
import { csvFile } from "../../src/domain/taskImport.ts";
import type { HandlerResult, InteractionContext } from "../../src/discord/command.ts";
import { showText } from "../../src/discord/render/text.ts";

/** A CSV of tasks and claims; anonymous volunteers appear as numbers, never as ids. */
export async function exportCampaign(
  input: { campaign: string },
  context: InteractionContext,
): Promise<HandlerResult> {
  const { t } = context;
  const { campaign, rows } = await exportCampaignRows(
    context.db,
    context.guildId,
    parseCampaignId(input.campaign),
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
  return {
    type: "reply",
    ephemeral: true,
    message: {
      content: t("campaign.exportReady", { title: showText(campaign.title, 100) }),
      files: [
        {
          name: `campaign-${campaign.number}.csv`,
          data: csvFile(t("campaign.exportHeader"), cells),
        },
      ],
    },
  };
}
