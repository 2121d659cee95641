import { type SomaApi } from '#soma/client';

export const isUuidLike = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/** Profile id → name, for human-readable output. */
export async function profileNames(api: SomaApi): Promise<Map<string, string>> {
  return new Map((await api.modelProfiles()).map((p) => [p.id, p.name]));
}
