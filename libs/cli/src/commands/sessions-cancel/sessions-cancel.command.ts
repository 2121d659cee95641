import { type CommandSpec } from '../../cli.contract.js';
import { json } from '../../output/format.js';

/** Cancel a running turn: it ends with turn.cancelled, its partial reply kept. Idempotent. */
export const sessionsCancel: CommandSpec = {
  name: 'sessions cancel',
  summary: 'cancel a turn of a session (its partial reply is kept); a turn that ended answers with its state',
  positionals: ['sessionId', 'turnId'],
  options: {},
  async run({ api, json: asJson, args, io }) {
    const state = await api.cancelTurn(args[0] ?? '', args[1] ?? '');
    const by = state.cancelledBy ? ` by ${state.cancelledBy.role} (${state.cancelledBy.via})` : '';
    const note = state.cancelRequested ? '' : ' (it had ended before: nothing to cancel)';
    io.stdout(asJson ? json(state) : `turn ${state.turnId} ${state.status}${by}${note}\n`);
  },
};
