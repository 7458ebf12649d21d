import type { Server } from "node:http";
import { WebSocket, WebSocketServer } from "ws";
import { shardOf } from "./snowflake.ts";
import { acceptsToken, apiGuild, apiUser } from "./state.ts";
import type { LogEvent, State } from "./state.ts";

interface Dispatch {
  op: 0;
  s: number;
  t: string;
  d: unknown;
}

interface Session {
  id: string;
  shard: [id: number, count: number];
  intents: number;
  seq: number;
  /** Every dispatch of the session, replayed after a RESUME from the client's last seq. */
  backlog: Dispatch[];
  socket: WebSocket | undefined;
  /** After op 7 or op 9 events wait in the backlog until the client resumes or identifies. */
  held: boolean;
}

const heartbeatIntervalMs = 41_250;
const backlogSize = 1000;
/** Close codes after which Discord will not resume the session: 4007 invalid seq, 4009 timed out. */
const sessionEndingCloseCodes = [4007, 4009];

/** How a client (re)joined: a new session (IDENTIFY) or an old one (RESUME), and what it missed. */
export interface GatewayConnection {
  kind: "identify" | "resume";
  sessionId: string;
  replayed: number;
}

/** The websocket side: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME, dispatches. */
export class Gateway {
  private readonly server: WebSocketServer;
  private readonly sessions = new Map<string, Session>();
  readonly connections: GatewayConnection[] = [];

  constructor(
    httpServer: Server,
    private readonly state: State,
    private readonly log: (event: LogEvent) => void,
  ) {
    this.server = new WebSocketServer({ server: httpServer, path: "/gateway" });
    this.server.on("connection", (socket) => this.accept(socket));
  }

  get url(): string {
    return `${this.state.origin.replace(/^http/, "ws")}/gateway`;
  }

  /** Whether a session (connected or waiting to resume) would receive events of this guild. */
  reaches(guildId: string | undefined): boolean {
    return [...this.sessions.values()].some((session) => this.covers(session, guildId));
  }

  isConnected(): boolean {
    return [...this.sessions.values()].some((session) => session.socket !== undefined);
  }

  /** Sends an event to every session that covers the guild (by shard) and has the intent. */
  dispatch(event: string, data: unknown, guildId?: string, intent = 0): void {
    for (const session of this.sessions.values()) {
      if ((session.intents & intent) !== intent || !this.covers(session, guildId)) continue;
      this.send(session, event, data);
    }
  }

  /**
   * Cuts every connection; with no code the socket is destroyed like a network failure (1006).
   * After 4007 or 4009 the session is gone, so a RESUME gets op 9 (invalid session).
   */
  drop(closeCode?: number): void {
    for (const [id, session] of this.sessions) {
      if (closeCode === undefined || closeCode === 1006) session.socket?.terminate();
      else session.socket?.close(closeCode);
      session.socket = undefined;
      if (closeCode !== undefined && sessionEndingCloseCodes.includes(closeCode)) {
        this.sessions.delete(id);
      }
    }
  }

  /** Op 7: Discord asks every connected client to reconnect and resume. */
  requestReconnect(): void {
    this.sendToConnected({ op: 7, d: null });
    for (const session of this.sessions.values()) session.held = session.socket !== undefined;
  }

  /** Op 9: the session is invalid; resumable or not (then it is forgotten here). */
  invalidateSession(resumable: boolean): void {
    this.sendToConnected({ op: 9, d: resumable });
    for (const [id, session] of this.sessions) {
      if (!session.socket) continue;
      if (resumable) session.held = true;
      else this.sessions.delete(id);
    }
  }

  private sendToConnected(payload: { op: number; d: unknown }): void {
    for (const session of this.sessions.values()) {
      if (session.socket?.readyState === WebSocket.OPEN)
        session.socket.send(JSON.stringify(payload));
    }
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private covers(session: Session, guildId: string | undefined): boolean {
    const [shardId, shardCount] = session.shard;
    return guildId === undefined ? shardId === 0 : shardOf(guildId, shardCount) === shardId;
  }

  private send(session: Session, event: string, data: unknown): void {
    session.seq += 1;
    const payload: Dispatch = { op: 0, s: session.seq, t: event, d: data };
    session.backlog.push(payload);
    if (session.backlog.length > backlogSize) session.backlog.shift();
    if (session.socket?.readyState === WebSocket.OPEN && !session.held) {
      session.socket.send(JSON.stringify(payload));
    }
  }

  private accept(socket: WebSocket): void {
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: heartbeatIntervalMs } }));
    socket.on("message", (raw) => {
      let payload: { op: number; d: Record<string, unknown> | null };
      try {
        payload = JSON.parse(String(raw)) as typeof payload;
      } catch {
        socket.close(4002, "Error while decoding payload.");
        return;
      }
      if (payload.op === 1) socket.send(JSON.stringify({ op: 11 }));
      if (payload.op === 2) this.identify(socket, payload.d ?? {});
      if (payload.op === 6) this.resume(socket, payload.d ?? {});
    });
    socket.on("close", (code) => {
      for (const [id, session] of this.sessions) {
        if (session.socket !== socket) continue;
        session.socket = undefined;
        // A client that closes normally (discord.js destroy()) ends its session, as on Discord.
        if (code === 1000 || code === 1001) this.sessions.delete(id);
      }
      this.state.changed();
    });
  }

  private identify(socket: WebSocket, data: Record<string, unknown>): void {
    if (typeof data["token"] !== "string" || !acceptsToken(this.state, data["token"])) {
      socket.close(4004, "Authentication failed.");
      return;
    }
    const [shardId, shardCount] = (data["shard"] as [number, number] | undefined) ?? [0, 1];
    for (const [id, old] of this.sessions) {
      if (old.shard[0] !== shardId || old.shard[1] !== shardCount) continue;
      if (old.socket !== socket) old.socket?.close(4000);
      this.sessions.delete(id);
    }
    const session: Session = {
      id: this.state.newId(),
      shard: [shardId, shardCount],
      intents: Number(data["intents"] ?? 0),
      seq: 0,
      backlog: [],
      socket,
      held: false,
    };
    this.sessions.set(session.id, session);
    this.connections.push({ kind: "identify", sessionId: session.id, replayed: 0 });
    this.log({ event: "localDiscord.identify", session: session.id, shard: session.shard });
    const guilds = [...this.state.guilds.values()].filter((guild) =>
      this.covers(session, guild.id),
    );
    this.send(session, "READY", {
      v: 10,
      user: apiUser(this.state.botUser),
      guilds: guilds.map((guild) => ({ id: guild.id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.url,
      shard: session.shard,
      application: { id: this.state.applicationId, flags: 0 },
      user_settings: {},
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      auth: {},
      session_type: "normal",
    });
    for (const guild of guilds) this.send(session, "GUILD_CREATE", apiGuild(guild, this.state));
    this.state.changed();
  }

  private resume(socket: WebSocket, data: Record<string, unknown>): void {
    const session = this.sessions.get(String(data["session_id"]));
    if (!session) {
      socket.send(JSON.stringify({ op: 9, d: false }));
      return;
    }
    if (session.socket && session.socket !== socket) session.socket.close(4000);
    session.socket = socket;
    session.held = false;
    const lastSeen = Number(data["seq"] ?? 0);
    const missed = session.backlog.filter((payload) => payload.s > lastSeen);
    this.connections.push({ kind: "resume", sessionId: session.id, replayed: missed.length });
    this.log({ event: "localDiscord.resume", session: session.id, replayed: missed.length });
    for (const payload of missed) socket.send(JSON.stringify(payload));
    this.send(session, "RESUMED", null);
    this.state.changed();
  }
}
