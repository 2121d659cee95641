import { isUuidLike, profileNames } from '../profile-names.js';
import { stringOption } from '../../args/options.js';
import { type CommandSpec } from '../../cli.contract.js';
import { json, oneLine, table } from '../../output/format.js';
import { fetchListing, moreLine, pageOptions } from '../pages/page-options.js';

/** The caller's tenant's sessions, newest first. */
export const sessionsList: CommandSpec = {
  name: 'sessions list',
  summary: "list the tenant's sessions, newest first",
  positionals: [],
  options: {
    title: { type: 'string', valueName: 'text', description: 'only titles containing this text' },
    profile: { type: 'string', valueName: 'name|id', description: 'only sessions of this model profile' },
    ...pageOptions(200),
  },
  async run({ api, json: asJson, values, io }) {
    const profile = stringOption(values, 'profile');
    const modelProfileId =
      profile === undefined
        ? undefined
        : isUuidLike(profile)
          ? profile
          : (await api.modelProfile(profile)).id;
    const title = stringOption(values, 'title');
    const page = await fetchListing(values, 200, (params) =>
      api.sessions({ ...params, title, modelProfileId }),
    );
    if (asJson) {
      io.stdout(json(page));
      return;
    }
    if (page.items.length === 0) {
      io.stdout('no sessions\n');
      return;
    }
    const names = await profileNames(api);
    const rows = page.items.map((s) => [
      s.id,
      s.createdAt,
      s.modelProfileId ? (names.get(s.modelProfileId) ?? s.modelProfileId) : '-',
      s.replay ? `replay of ${s.replay.sourceSessionId.slice(0, 8)}` : '',
      oneLine(s.title ?? ''),
    ]);
    io.stdout(table(['ID', 'CREATED', 'PROFILE', 'REPLAY', 'TITLE'], rows) + moreLine(page));
  },
};
