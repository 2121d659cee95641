import type {
  HeaderObject,
  OpenAPIObject,
  OperationObject,
  PathItemObject,
  ReferenceObject,
  SchemaObject,
} from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';

/**
 * What the decorators of @nestjs/swagger cannot say, added to the generated document by rules that hold for every
 * route (docs/gateway.md, "Contract"). Everything route-specific stays on the DTOs and controllers.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type Method = (typeof METHODS)[number];

function operations(document: OpenAPIObject): { path: string; method: Method; operation: OperationObject }[] {
  return Object.entries(document.paths).flatMap(([path, item]: [string, PathItemObject]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      return operation ? [{ path, method, operation }] : [];
    }),
  );
}

function isReference(value: SchemaObject | ReferenceObject): value is ReferenceObject {
  return '$ref' in value;
}

/** The schemas a schema refers to, directly or through properties, items, allOf/oneOf/anyOf. */
function referencedNames(schema: SchemaObject | ReferenceObject | undefined): string[] {
  if (!schema) return [];
  if (isReference(schema)) return [schema.$ref.replace('#/components/schemas/', '')];
  const nested: (SchemaObject | ReferenceObject | undefined)[] = [
    ...Object.values(schema.properties ?? {}),
    ...(schema.allOf ?? []),
    ...(schema.oneOf ?? []),
    ...(schema.anyOf ?? []),
    schema.items,
  ];
  return nested.flatMap(referencedNames);
}

/** `null` is accepted where a field may be absent (class-validator's IsOptional skips null and undefined alike). */
function acceptNullWhenOptional(schema: SchemaObject): void {
  const required = new Set(schema.required ?? []);
  const properties = schema.properties ?? {};
  for (const [name, property] of Object.entries(properties)) {
    if (required.has(name)) continue;
    properties[name] = isReference(property)
      ? { allOf: [property], nullable: true }
      : { ...property, nullable: true };
  }
}

/**
 * The global ValidationPipe runs with `forbidNonWhitelisted`: a body (and every nested DTO) with a field its class
 * does not declare is a 400. So every schema a request body reaches is closed, and its optional fields take null.
 */
export function closeRequestBodies(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  const pending = operations(document).flatMap(({ operation }) => {
    const body = operation.requestBody;
    if (!body || '$ref' in body) return [];
    return Object.values(body.content).flatMap((media) => referencedNames(media.schema));
  });
  const seen = new Set<string>();
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (seen.has(name)) continue;
    seen.add(name);
    const schema = schemas[name];
    if (!schema || isReference(schema)) continue;
    schema.additionalProperties = false;
    acceptNullWhenOptional(schema);
    pending.push(...referencedNames(schema));
  }
}

const RATE_LIMIT_HEADERS: Record<string, HeaderObject> = {
  'X-RateLimit-Limit': {
    description: 'Requests allowed per window in the tightest bucket (key, tenant or client IP)',
    schema: { type: 'integer', minimum: 1 },
  },
  'X-RateLimit-Remaining': {
    description: 'Requests left in that bucket for this window',
    schema: { type: 'integer', minimum: 0 },
  },
};

/**
 * Every /v1 answer that passed the rate limiter carries the limit headers (RateLimitGuard); a refusal before it
 * (413 from the body parser) does not, so they are declared and optional on every response.
 */
export function declareRateLimitHeaders(document: OpenAPIObject): void {
  for (const { path, operation } of operations(document)) {
    if (!path.startsWith('/v1/')) continue;
    for (const response of Object.values(operation.responses)) {
      if (!response || '$ref' in response) continue;
      response.headers = { ...RATE_LIMIT_HEADERS, ...response.headers };
    }
  }
}

/** The body parser refuses any JSON body over SOMA_BODY_LIMIT_BYTES before a route runs. */
export function declarePayloadTooLarge(document: OpenAPIObject, errorSchema: ReferenceObject): void {
  for (const { operation } of operations(document)) {
    if (!operation.requestBody || operation.responses['413']) continue;
    operation.responses['413'] = {
      description: 'PAYLOAD_TOO_LARGE: the body is over SOMA_BODY_LIMIT_BYTES',
      content: { 'application/json': { schema: errorSchema } },
    };
  }
}

interface DeclaredPath {
  pattern: RegExp;
  allow: string;
}

/** `/v1/sessions/{id}` → a matcher for what Express routes there (any letter case, an optional trailing slash). */
function pathPattern(path: string): RegExp {
  const source = path
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}/?$`, 'i');
}

/**
 * 405 METHOD_NOT_ALLOWED, with an Allow header, for a method the document does not declare on a path it declares
 * (Express would answer 404). HEAD is allowed wherever GET is, as Express serves it.
 */
export function methodNotAllowed(document: OpenAPIObject) {
  const declared: DeclaredPath[] = Object.entries(document.paths).map(([path, item]) => {
    const methods = METHODS.filter((method) => item[method] !== undefined);
    if (methods.includes('get') && !methods.includes('head')) methods.push('head');
    return { pattern: pathPattern(path), allow: methods.map((m) => m.toUpperCase()).join(', ') };
  });
  return (request: Request, response: Response, next: NextFunction): void => {
    const matches = declared.filter((d) => d.pattern.test(request.path));
    if (matches.length === 0) {
      next();
      return;
    }
    const allowed = new Set(matches.flatMap((d) => d.allow.split(', ')));
    if (allowed.has(request.method)) {
      next();
      return;
    }
    const allow = [...allowed].join(', ');
    response
      .status(405)
      .setHeader('Allow', allow)
      .json({
        statusCode: 405,
        error: 'METHOD_NOT_ALLOWED',
        message: `${request.method} is not allowed on ${request.path} (allowed: ${allow})`,
      });
  };
}
