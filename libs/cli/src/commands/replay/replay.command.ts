import { followSessionEvents, listAll, type SessionEvent, type SomaApi, type TurnView } from '#soma/client';
import { intOption, stringOption } from '../../args/options.js';
import { type CliIo, type CommandSpec } from '../../cli.contract.js';
import { json } from '../../output/format.js';
import { profileNames } from '../profile-names.js';
import { type SessionRecording } from '../sessions-show/session.format.js';
import { diffRecordings } from './replay-diff.js';
import { renderReplayDiff } from './replay.format.js';
import { isTerminal } from '../sessions-tail/stream-event.format.js';

async function record(api: SomaApi, sessionId: string): Promise<SessionRecording> {
  const [session, messages, turns, toolCalls] = await Promise.all([
    api.session(sessionId),
    listAll((cursor) => api.sessionMessages(sessionId, { limit: 200, cursor })),
    listAll((cursor) => api.turns(sessionId, { limit: 50, cursor })),
    listAll((cursor) => api.toolCalls(sessionId, { limit: 50, cursor })),
  ]);
  // A session created before profiles were recorded on it: its first turn says which profile ran.
  return {
    session: { ...session, modelProfileId: session.modelProfileId ?? turns[0]?.modelProfileId ?? null },
    messages,
    turns,
    toolCalls,
  };
}

/** Pulls the replay session's stream until the given turn has ended; throws when it takes too long. */
async function turnEnd(
  events: AsyncIterator<SessionEvent>,
  turnId: string,
  timeoutMs: number,
): Promise<SessionEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(
        () => {
          resolve('timeout');
        },
        Math.max(0, deadline - Date.now()),
      );
    });
    const next = await Promise.race([events.next(), timeout]);
    clearTimeout(timer);
    if (next === 'timeout') throw new Error(`turn ${turnId} did not end within ${timeoutMs / 1000} s`);
    if (next.done) throw new Error(`the stream ended before turn ${turnId} did`);
    const event = next.value;
    if (isTerminal(event) && event.data.turnId === turnId) return event;
  }
}

interface ReplayedMessage {
  content: string;
  toolAllowance: TurnView['toolAllowance'];
}

async function replayTurns(
  api: SomaApi,
  baseUrl: string,
  replayId: string,
  userMessages: ReplayedMessage[],
  timeoutMs: number,
  io: CliIo,
): Promise<void> {
  const controller = new AbortController();
  const stop = () => {
    controller.abort();
  };
  io.signal.addEventListener('abort', stop);
  const events = followSessionEvents({
    baseUrl,
    headers: api.authHeaders(),
    sessionId: replayId,
    signal: controller.signal,
    onReconnect: ({ afterSeq }) => {
      io.stderr(`  [stream reconnecting after seq ${afterSeq}]\n`);
    },
  })[Symbol.asyncIterator]();
  try {
    for (const [i, { content, toolAllowance }] of userMessages.entries()) {
      const started = Date.now();
      io.stderr(`turn ${i + 1}/${userMessages.length} …\n`);
      const { turnId } = await api.sendMessage(replayId, content, undefined, toolAllowance);
      const end = await turnEnd(events, turnId, timeoutMs);
      io.stderr(
        `turn ${i + 1}/${userMessages.length} ${end.type === 'turn.completed' ? 'completed' : `failed ${String(end.data.code)}`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
    }
  } finally {
    io.signal.removeEventListener('abort', stop);
    controller.abort();
    await events.return(undefined);
  }
}

/** Re-runs a recorded session's user messages against a model profile and prints how the replay differs. */
export const replay: CommandSpec = {
  name: 'replay',
  summary: "re-run a session's user messages against a model profile and diff the results",
  positionals: ['sessionId'],
  options: {
    profile: {
      type: 'string',
      valueName: 'name|id',
      description: "model profile (default: the source session's)",
    },
    'live-tools': { type: 'boolean', description: 'run tools live (default: serve the recorded results)' },
    'turn-timeout': {
      type: 'string',
      valueName: 'seconds',
      description: 'fail when a turn takes longer (default 300)',
    },
  },
  async run({ api, baseUrl, json: asJson, values, args, io }) {
    const timeoutMs = (intOption(values, 'turn-timeout', { min: 1 }) ?? 300) * 1000;
    const toolResults = values['live-tools'] === true ? 'live' : 'recorded';
    const source = await record(api, args[0] ?? '');
    // Each with its turn's tool allowance (an OpenAI request's tools / tool_choice), so the replay has the same tools.
    const allowances = new Map(source.turns.map((t) => [t.id, t.toolAllowance]));
    const userMessages = source.messages
      .filter((m) => m.role === 'user')
      .map((m) => ({
        content: m.content,
        toolAllowance: (m.turnId === null ? undefined : allowances.get(m.turnId)) ?? null,
      }));
    if (userMessages.length === 0)
      throw new Error(`session ${source.session.id} has no user messages to replay`);
    const profile = stringOption(values, 'profile') ?? source.session.modelProfileId ?? undefined;
    const created = await api.openSession({
      title: `replay of ${source.session.title ?? source.session.id}`.slice(0, 200),
      ...(profile === undefined ? {} : { modelProfile: profile }),
      replay: { sourceSessionId: source.session.id, toolResults },
    });
    io.stderr(
      `replaying ${userMessages.length} turns of ${source.session.id} in ${created.id} (tool results ${toolResults})\n`,
    );
    await replayTurns(api, baseUrl, created.id, userMessages, timeoutMs, io);
    const replayed = await record(api, created.id);
    replayed.session.modelProfileId ??= created.modelProfileId ?? null;
    const diff = diffRecordings(source, replayed, toolResults);
    io.stdout(asJson ? json(diff) : renderReplayDiff(diff, await profileNames(api)));
  },
};
