import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ROOT } from '../support/apps.js';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  requestBody?: unknown;
  summary?: string;
}
type OpenApi = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, { example?: unknown }> }> };
};

describe('OpenAPI (Swagger console behind an admin key) and the AsyncAPI event contract', () => {
  const baseUrl = inject('gatewayUrl');
  const adminKey = inject('adminKey');

  it('/docs and /docs-json need an admin key; the sign-in form sets a cookie that opens them', async () => {
    const anonymous = await fetch(`${baseUrl}/docs`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toContain('<form method="post" action="/docs/sign-in">');
    expect((await fetch(`${baseUrl}/docs-json`)).status).toBe(401);
    expect((await fetch(`${baseUrl}/docs/swagger-ui-init.js`)).status).toBe(401);

    const wrong = await fetch(`${baseUrl}/docs/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'key=soma_wrong',
      redirect: 'manual',
    });
    expect(wrong.status).toBe(401);
    const signIn = await fetch(`${baseUrl}/docs/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key: adminKey }).toString(),
      redirect: 'manual',
    });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    const cookieHeader = cookie.split(';')[0] ?? '';
    const ui = await fetch(`${baseUrl}/docs`, { headers: { cookie: cookieHeader } });
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
    expect((await fetch(`${baseUrl}/docs-json`, { headers: { cookie: cookieHeader } })).status).toBe(200);
  });

  it('documents every /v1 route with responses, error schemas and examples', async () => {
    const response = await fetch(`${baseUrl}/docs-json`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    const document = (await response.json()) as OpenApi;
    const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    const v1 = routes.filter((r) => r.path.startsWith('/v1/'));
    expect(v1.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort()).toEqual(
      expect.arrayContaining([
        'DELETE /v1/admin/api-keys/{id}',
        'GET /v1/admin/api-keys',
        'GET /v1/sessions',
        'GET /v1/sessions/{id}',
        'GET /v1/sessions/{id}/events',
        'GET /v1/sessions/{id}/messages',
        'POST /v1/admin/api-keys',
        'POST /v1/sessions',
        'POST /v1/sessions/{id}/messages',
      ]),
    );
    for (const { path, method, operation } of v1) {
      const name = `${method.toUpperCase()} ${path}`;
      const codes = Object.keys(operation.responses);
      expect(
        codes.some((code) => code.startsWith('2')),
        name,
      ).toBe(true);
      expect(codes, name).toEqual(expect.arrayContaining(['401', '429']));
      if (path.includes('{id}')) expect(codes, name).toContain('404');
      if (operation.requestBody) expect(codes, name).toContain('400');
      for (const code of codes.filter((c) => c.startsWith('4'))) {
        expect(
          operation.responses[code]?.content?.['application/json']?.schema,
          `${name} ${code}`,
        ).toBeDefined();
      }
    }
    expect(document.paths['/metrics']).toBeUndefined();
    const schemas = document.components.schemas;
    for (const dto of [
      'ErrorDto',
      'ValidationErrorDto',
      'RateLimitedErrorDto',
      'CreateApiKeyDto',
      'PostMessageDto',
    ]) {
      const properties = Object.values(schemas[dto]?.properties ?? {});
      expect(properties.length, dto).toBeGreaterThan(0);
      expect(
        properties.some((p) => p.example !== undefined),
        `${dto} has examples`,
      ).toBe(true);
    }
  });

  it('serves the AsyncAPI document generated from the contracts, identical to docs/asyncapi.json', async () => {
    const response = await fetch(`${baseUrl}/asyncapi.json`);
    expect(response.status).toBe(200);
    const served = (await response.json()) as { asyncapi: string };
    expect(served.asyncapi).toBe('3.0.0');
    expect(served).toEqual(JSON.parse(readFileSync(join(ROOT, 'docs', 'asyncapi.json'), 'utf8')));
  });
});
