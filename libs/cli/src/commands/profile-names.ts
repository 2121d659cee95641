import { listAll, type SomaApi } from '#soma/client';

export const isUuidLike = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/** Profile id → name, for human-readable output. */
export async function profileNames(api: SomaApi): Promise<Map<string, string>> {
  const profiles = await listAll((cursor) => api.modelProfiles({ limit: 200, cursor }));
  return new Map(profiles.map((p) => [p.id, p.name]));
}
