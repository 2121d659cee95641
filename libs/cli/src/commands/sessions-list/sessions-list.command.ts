import { isUuidLike, profileNames } from '../profile-names.js';
import { intOption, stringOption } from '../../args/options.js';
import { type CommandSpec } from '../../cli.contract.js';
import { json, oneLine, table } from '../../output/format.js';

/** The caller's tenant's sessions, newest first. */
export const sessionsList: CommandSpec = {
  name: 'sessions list',
  summary: "list the tenant's sessions, newest first",
  positionals: [],
  options: {
    title: { type: 'string', valueName: 'text', description: 'only titles containing this text' },
    profile: { type: 'string', valueName: 'name|id', description: 'only sessions of this model profile' },
    limit: { type: 'string', valueName: 'n', description: 'at most n sessions (1-200, default 50)' },
    offset: { type: 'string', valueName: 'n', description: 'skip the n newest' },
  },
  async run({ api, json: asJson, values, io }) {
    const limit = intOption(values, 'limit', { min: 1, max: 200 });
    const offset = intOption(values, 'offset', { min: 0 });
    const profile = stringOption(values, 'profile');
    const modelProfileId =
      profile === undefined
        ? undefined
        : isUuidLike(profile)
          ? profile
          : (await api.modelProfile(profile)).id;
    const sessions = await api.sessions({
      limit,
      offset,
      title: stringOption(values, 'title'),
      modelProfileId,
    });
    if (asJson) {
      io.stdout(json(sessions));
      return;
    }
    if (sessions.length === 0) {
      io.stdout('no sessions\n');
      return;
    }
    const names = await profileNames(api);
    const rows = sessions.map((s) => [
      s.id,
      s.createdAt,
      s.modelProfileId ? (names.get(s.modelProfileId) ?? s.modelProfileId) : '-',
      s.replay ? `replay of ${s.replay.sourceSessionId.slice(0, 8)}` : '',
      oneLine(s.title ?? ''),
    ]);
    io.stdout(table(['ID', 'CREATED', 'PROFILE', 'REPLAY', 'TITLE'], rows));
  },
};
