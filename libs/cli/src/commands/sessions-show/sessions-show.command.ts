import { listAll } from '#soma/client';
import { type CommandSpec } from '../../cli.contract.js';
import { json } from '../../output/format.js';
import { profileNames } from '../profile-names.js';
import { renderSession } from './session.format.js';

/** One session: its messages (with classification), turns (with usage) and tool calls (with decisions). */
export const sessionsShow: CommandSpec = {
  name: 'sessions show',
  summary: 'show a session: messages, turns with usage, tool calls with policy decisions',
  positionals: ['sessionId'],
  options: {},
  async run({ api, json: asJson, args, io }) {
    const sessionId = args[0] ?? '';
    const session = await api.session(sessionId);
    const [messages, turns, toolCalls] = await Promise.all([
      listAll((cursor) => api.sessionMessages(sessionId, { limit: 200, cursor })),
      listAll((cursor) => api.turns(sessionId, { limit: 50, cursor })),
      listAll((cursor) => api.toolCalls(sessionId, { limit: 50, cursor })),
    ]);
    const recording = { session, messages, turns, toolCalls };
    io.stdout(asJson ? json(recording) : renderSession(recording, await profileNames(api)));
  },
};
