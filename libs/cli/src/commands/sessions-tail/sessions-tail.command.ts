import { followSessionEvents } from '#soma/client';
import { intOption } from '../../args/options.js';
import { UsageError } from '../../cli.errors.js';
import { type CommandSpec } from '../../cli.contract.js';
import { isTerminal, renderEvent } from './stream-event.format.js';

/**
 * Follows a session's stream and prints each event as it arrives (deltas as text, or one JSON line per event
 * with --json). A dropped connection is resumed after the last seq printed: no gap, no repeat.
 */
export const sessionsTail: CommandSpec = {
  name: 'sessions tail',
  summary: 'follow a session live (resumes after a dropped connection without gaps or repeats)',
  positionals: ['sessionId'],
  options: {
    'after-seq': {
      type: 'string',
      valueName: 'seq',
      description: 'start after this seq (default 0: replay)',
    },
    turns: { type: 'string', valueName: 'n', description: 'exit after n turns ended' },
    'until-turn-end': { type: 'boolean', description: 'exit after the next turn ended (--turns 1)' },
    'reconnect-timeout': {
      type: 'string',
      valueName: 'seconds',
      description: 'give up when the stream stays lost this long (default 30)',
    },
  },
  async run({ api, baseUrl, json, values, args, io }) {
    const turns = intOption(values, 'turns', { min: 1 });
    if (turns !== undefined && values['until-turn-end'] === true)
      throw new UsageError('use either --turns or --until-turn-end');
    const exitAfter = values['until-turn-end'] === true ? 1 : turns;
    let ended = 0;
    let midLine = false;
    const events = followSessionEvents({
      baseUrl,
      headers: api.authHeaders(),
      sessionId: args[0] ?? '',
      afterSeq: intOption(values, 'after-seq', { min: 0 }) ?? 0,
      signal: io.signal,
      reconnectTimeoutMs: (intOption(values, 'reconnect-timeout', { min: 1 }) ?? 30) * 1000,
      onReconnect: ({ afterSeq, attempt, cause }) => {
        io.stderr(
          `${midLine ? '\n' : ''}[reconnecting after seq ${afterSeq} (attempt ${attempt}): ${cause}]\n`,
        );
        midLine = false;
      },
    });
    for await (const event of events) {
      if (json) io.stdout(`${JSON.stringify(event)}\n`);
      else {
        const text = renderEvent(event, midLine);
        io.stdout(text);
        if (text !== '') midLine = !text.endsWith('\n');
      }
      if (isTerminal(event) && exitAfter !== undefined && ++ended >= exitAfter) return;
    }
  },
};
