import type { OpenAPIObject } from '@nestjs/swagger';
import express from 'express';
import { describe, expect, it } from 'vitest';
import {
  closeRequestBodies,
  declarePayloadTooLarge,
  declareRateLimitHeaders,
  methodNotAllowed,
} from './openapi-contract.js';

function document(): OpenAPIObject {
  return {
    openapi: '3.0.0',
    info: { title: 't', version: '1' },
    paths: {
      '/v1/things': {
        post: {
          requestBody: {
            content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateThingDto' } } },
          },
          responses: { '201': { description: 'created' } },
        },
        get: { responses: { '200': { description: 'ok' } } },
      },
      '/v1/things/{id}': {
        delete: { responses: { '204': { description: 'gone' } } },
      },
      '/asyncapi.json': { get: { responses: { '200': { description: 'ok' } } } },
    },
    components: {
      schemas: {
        CreateThingDto: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string' },
            note: { type: 'string' },
            part: { $ref: '#/components/schemas/PartDto' },
          },
        },
        PartDto: { type: 'object', properties: { size: { type: 'integer' } } },
        ThingDto: { type: 'object', properties: { name: { type: 'string' } } },
      },
    },
  };
}

describe('the rules the OpenAPI document states for every route', () => {
  it('closes every schema a request body reaches, nested ones included, and lets optional fields be null', () => {
    const doc = document();
    closeRequestBodies(doc);
    const schemas = doc.components?.schemas ?? {};
    expect(schemas.CreateThingDto).toMatchObject({ additionalProperties: false });
    expect(schemas.PartDto).toMatchObject({ additionalProperties: false });
    expect(schemas.ThingDto).not.toHaveProperty('additionalProperties');
    expect(schemas.CreateThingDto).toMatchObject({
      properties: {
        name: { type: 'string' },
        note: { type: 'string', nullable: true },
        part: { allOf: [{ $ref: '#/components/schemas/PartDto' }], nullable: true },
      },
    });
  });

  it('declares 413 where a body is taken, and the rate-limit headers on every /v1 answer', () => {
    const doc = document();
    declarePayloadTooLarge(doc, { $ref: '#/components/schemas/ErrorDto' });
    declareRateLimitHeaders(doc);
    expect(doc.paths['/v1/things']?.post?.responses['413']).toBeDefined();
    expect(doc.paths['/v1/things']?.get?.responses['413']).toBeUndefined();
    expect(doc.paths['/v1/things']?.get?.responses['200']).toHaveProperty('headers.X-RateLimit-Remaining');
    expect(doc.paths['/asyncapi.json']?.get?.responses['200']).not.toHaveProperty('headers');
  });

  it('answers 405 with Allow for an undeclared method on a declared path, and leaves everything else alone', async () => {
    const app = express();
    app.use(methodNotAllowed(document()));
    app.use((_request, response) => {
      response.status(299).end();
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening on a port');
    const base = `http://127.0.0.1:${address.port}`;
    try {
      const put = await fetch(`${base}/v1/things`, { method: 'PUT' });
      expect(put.status).toBe(405);
      expect(put.headers.get('allow')).toBe('GET, POST, HEAD');
      expect(await put.json()).toMatchObject({ statusCode: 405, error: 'METHOD_NOT_ALLOWED' });
      const byId = await fetch(`${base}/V1/Things/abc/`, { method: 'GET' });
      expect(byId.status).toBe(405);
      expect(byId.headers.get('allow')).toBe('DELETE');
      expect((await fetch(`${base}/v1/things`, { method: 'POST' })).status).toBe(299);
      expect((await fetch(`${base}/v1/things/abc`, { method: 'DELETE' })).status).toBe(299);
      expect((await fetch(`${base}/v1/things`, { method: 'HEAD' })).status).toBe(299);
      expect((await fetch(`${base}/v1/other`, { method: 'PUT' })).status).toBe(299);
      expect((await fetch(`${base}/v1/things/a/b`, { method: 'PUT' })).status).toBe(299);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
