import { type ApiClient } from '#soma/client';
import { randomUUID } from 'node:crypto';

/** A model profile of the test's own (on the local model) and a session that uses it. */
export async function sessionWithProfile(
  admin: ApiClient,
  profile: Record<string, unknown> & { name: string },
  user: ApiClient = admin,
): Promise<{ sessionId: string; profileId: string; profileName: string }> {
  const name = `${profile.name}-${randomUUID().slice(0, 8)}`;
  const created = await admin.request<{ id: string }>('POST', '/v1/model-profiles', {
    body: { provider: 'local', model: 'SmolLM2-135M-Instruct-Q4_1', ...profile, name },
  });
  if (created.status !== 201) throw new Error(`profile: ${created.status} ${JSON.stringify(created.body)}`);
  const session = await user.request<{ id: string }>('POST', '/v1/sessions', {
    body: { modelProfile: name },
  });
  if (session.status !== 201) throw new Error(`session: ${session.status} ${JSON.stringify(session.body)}`);
  return { sessionId: session.body.id, profileId: created.body.id, profileName: name };
}
