import type { LocalChannel, LocalGuild, LocalUser, State, StoredMessage } from "./state.ts";

/**
 * The local Discord's world as plain JSON: users, servers (roles, members), channels (DM
 * channels too), the public and DM messages with their files, pins and blocked DMs. Not kept:
 * registered commands (a bot registers them when it connects), interactions and their tokens
 * (Discord forgets them within 15 minutes), ephemeral messages, recorded requests, nonces.
 */
export interface LocalDiscordSnapshot {
  version: 1;
  botUser: LocalUser;
  users: LocalUser[];
  guilds: {
    id: string;
    name: string;
    ownerId: string;
    locale: string;
    botRoleId: string;
    /** Older snapshots have neither: Discord's defaults (0) then. */
    mfaLevel?: number;
    verificationLevel?: number;
    roles: {
      id: string;
      name: string;
      permissions: string;
      position: number;
      botId?: string;
    }[];
    members: { userId: string; roles: string[]; joinedAt: string }[];
  }[];
  channels: (Omit<LocalChannel, "permissionOverwrites"> & {
    permissionOverwrites: { id: string; type: 0 | 1; allow: string; deny: string }[];
  })[];
  /** Every channel's messages in order; an attachment's bytes as base64. */
  messages: (Omit<StoredMessage, "attachments" | "interactionId" | "nonce"> & {
    attachments: { id: string; filename: string; contentType: string; base64: string }[];
  })[];
  pins: Record<string, string[]>;
  dmBlockedUserIds: string[];
}

export function takeSnapshot(state: State): LocalDiscordSnapshot {
  const guilds = [...state.guilds.values()].map((guild) => ({
    id: guild.id,
    name: guild.name,
    ownerId: guild.ownerId,
    locale: guild.locale,
    botRoleId: guild.botRoleId,
    mfaLevel: guild.mfaLevel,
    verificationLevel: guild.verificationLevel,
    roles: [...guild.roles.values()].map((role) => ({
      id: role.id,
      name: role.name,
      permissions: role.permissions.toString(),
      position: role.position,
      ...(role.botId === undefined ? {} : { botId: role.botId }),
    })),
    members: [...guild.members].map(([userId, member]) => ({ userId, ...member })),
  }));
  const channels = [...state.channels.values()].map((channel) => ({
    ...channel,
    permissionOverwrites: channel.permissionOverwrites.map((overwrite) => ({
      ...overwrite,
      allow: overwrite.allow.toString(),
      deny: overwrite.deny.toString(),
    })),
  }));
  const messages = [...state.channelMessageIds.values()].flatMap((ids) =>
    ids.flatMap((id) => {
      const message = state.messages.get(id);
      if (!message) return [];
      const { attachments, interactionId: _interaction, nonce: _nonce, ...fields } = message;
      const files = attachments.map((file) => ({
        id: file.id,
        filename: file.filename,
        contentType: file.contentType,
        base64: file.data.toString("base64"),
      }));
      return [structuredClone({ ...fields, attachments: files })];
    }),
  );
  return {
    version: 1,
    botUser: { ...state.botUser },
    users: [...state.users.values()].filter((user) => user.id !== state.botUser.id),
    guilds,
    channels,
    messages,
    pins: Object.fromEntries(state.pins),
    dmBlockedUserIds: [...state.dmBlockedUserIds],
  };
}

/** Replaces the world with a snapshot's; the bot must not be connected yet. */
export function restoreSnapshot(state: State, snapshot: LocalDiscordSnapshot): void {
  if (snapshot.version !== 1)
    throw new Error(`Unknown snapshot version ${String(snapshot.version)}`);
  for (const map of [
    state.users,
    state.guilds,
    state.channels,
    state.messages,
    state.channelMessageIds,
    state.attachments,
    state.pins,
    state.interactions,
    state.nonces,
    state.guildCommands,
  ]) {
    map.clear();
  }
  state.globalCommands.length = 0;
  state.dmBlockedUserIds.clear();
  // Like Discord, the bot keeps its id: messages and servers name it.
  Object.assign(state.botUser, snapshot.botUser);
  const ids: string[] = [state.botUser.id];
  state.users.set(state.botUser.id, state.botUser);
  for (const user of snapshot.users) {
    state.users.set(user.id, { ...user });
    ids.push(user.id);
  }
  for (const input of snapshot.guilds) {
    const guild: LocalGuild = {
      id: input.id,
      name: input.name,
      ownerId: input.ownerId,
      locale: input.locale,
      botRoleId: input.botRoleId,
      mfaLevel: input.mfaLevel ?? 0,
      verificationLevel: input.verificationLevel ?? 0,
      roles: new Map(
        input.roles.map((role) => [
          role.id,
          { ...role, guildId: input.id, permissions: BigInt(role.permissions) },
        ]),
      ),
      members: new Map(
        input.members.map(({ userId, roles, joinedAt }) => [userId, { roles, joinedAt }]),
      ),
    };
    state.guilds.set(guild.id, guild);
    ids.push(guild.id, ...guild.roles.keys());
  }
  for (const input of snapshot.channels) {
    const channel: LocalChannel = {
      ...input,
      permissionOverwrites: input.permissionOverwrites.map((overwrite) => ({
        ...overwrite,
        allow: BigInt(overwrite.allow),
        deny: BigInt(overwrite.deny),
      })),
    };
    state.channels.set(channel.id, channel);
    ids.push(channel.id);
  }
  for (const input of snapshot.messages) {
    const attachments = input.attachments.map((file) => {
      const data = Buffer.from(file.base64, "base64");
      const url = `${state.origin}/attachments/${file.id}/${encodeURIComponent(file.filename)}`;
      const stored = { ...file, size: data.length, data, url };
      delete (stored as { base64?: string }).base64;
      state.attachments.set(file.id, stored);
      ids.push(file.id);
      return stored;
    });
    const message: StoredMessage = {
      ...structuredClone({ ...input, attachments: [] }),
      attachments,
      nonce: undefined,
      interactionId: undefined,
    };
    state.addMessage(message, true);
    ids.push(message.id);
  }
  for (const [channelId, pinned] of Object.entries(snapshot.pins)) {
    state.pins.set(channelId, [...pinned]);
  }
  for (const userId of snapshot.dmBlockedUserIds) state.dmBlockedUserIds.add(userId);
  for (const id of ids) state.newId.advancePast(id);
}
