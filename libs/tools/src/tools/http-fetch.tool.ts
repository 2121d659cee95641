import { Injectable } from '@nestjs/common';
import { DocumentEntity } from '#soma/persistence';
import { AddressGuard, checkAddress, EgressError, parseCidr, sendPinned } from '#soma/platform';
import { TenantPolicySettingsReader } from '#soma/policy';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  type ToolContext,
  type ToolDefinition,
  type ToolOutcome,
} from '../registry/tool-definition.contract.js';
import { ToolError } from '../tools.errors.js';
import { htmlToText } from './html-to-text.js';

const MAX_BYTES = 512 * 1024;

const Parameters = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL on the egress allow-list' }),
    maxBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BYTES, description: 'Body bytes kept' })),
  },
  { additionalProperties: false },
);

/** What policy decides egress on: the URL's scheme, host and port. */
export function urlResource(raw: string): { url: string; scheme: string; host: string; port: number } {
  try {
    const url = new URL(raw);
    const scheme = url.protocol.replace(/:$/, '');
    const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
    return { url: url.href, scheme, host: url.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port };
  } catch {
    return { url: raw, scheme: 'invalid', host: '', port: 0 };
  }
}

/** What policy decides egress on, and the one thing http.fetch connects to: the resolved addresses. */
const FetchResource = TypeCompiler.Compile(
  Type.Object({
    url: Type.String(),
    scheme: Type.String(),
    host: Type.String(),
    port: Type.Integer(),
    addresses: Type.Array(
      Type.Object({
        address: Type.String(),
        family: Type.Union([Type.Literal(4), Type.Literal(6)]),
        range: Type.String(),
      }),
    ),
  }),
);

/** Text conversion bounds: the whole body at most, and never long enough to stall other calls. */
const TEXT_TIME_BUDGET_MS = 2000;

/**
 * http.fetch: GET a URL the tenant's egress allow-list permits, within size and time caps. The tool resolves
 * the host itself (`resource`: every address with its range, and the port), policy decides on that, and the
 * request is connected to the checked address only: no second lookup, so a name that rebinds gains nothing.
 * Whatever policy said, the tool's own checks run before connecting: every address public or inside a CIDR
 * the operator opened (platform-wide or for this tenant), the port on the tenant's list. Redirects are not
 * followed: their target would bypass all of this. The text is kept as a document, so web.search finds it.
 */
@Injectable()
export class HttpFetchTool implements ToolDefinition<typeof Parameters> {
  readonly name = 'http.fetch';
  readonly description =
    'GET a web page or API over http(s) and return its text (hosts are limited by policy, size and time capped).';
  readonly parameters = Parameters;
  readonly risk = 'medium' as const;
  readonly timeoutMs = 10_000;
  readonly outputCapBytes = MAX_BYTES + 4096;

  constructor(
    private readonly dataSource: DataSource,
    private readonly guard: AddressGuard,
    private readonly settings: TenantPolicySettingsReader,
  ) {}

  /** The URL's parts and every address its host resolves to (none when it does not resolve). */
  async resource(args: Static<typeof Parameters>): Promise<Record<string, unknown>> {
    const base = urlResource(args.url);
    if (base.scheme !== 'http' && base.scheme !== 'https') return { ...base, addresses: [] };
    try {
      return { ...base, addresses: await this.guard.lookup(base.host) };
    } catch (error) {
      if (error instanceof EgressError) return { ...base, addresses: [] };
      throw error;
    }
  }

  async run(args: Static<typeof Parameters>, context: ToolContext): Promise<ToolOutcome> {
    const target = await this.checkedTarget(context);
    const response = await sendPinned(target, {
      method: 'GET',
      headers: {
        'user-agent': 'SomaAgent-http.fetch/0.1',
        accept: 'text/*, application/json;q=0.9, */*;q=0.1',
      },
      timeoutMs: this.timeoutMs,
      maxResponseBytes: args.maxBytes ?? 256 * 1024,
      signal: context.signal,
    }).catch((error: unknown) => {
      throw new ToolError('FETCH_FAILED', `GET ${target.url.href} failed: ${(error as Error).message}`);
    });
    const header = (name: string): string | null => {
      const value = response.headers[name];
      return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
    };
    const url = target.url.href;
    const contentType = header('content-type') ?? '';
    const raw = new TextDecoder('utf-8', { fatal: false }).decode(response.bytes);
    const html = contentType.includes('html')
      ? await htmlToText(raw, { maxChars: raw.length, timeBudgetMs: TEXT_TIME_BUDGET_MS })
      : { title: null, text: raw, truncated: false };
    const output = {
      url,
      status: response.status,
      contentType,
      location: header('location'),
      text: html.text,
      bytes: response.bytes.length,
      truncated: response.truncated || html.truncated,
      documentId: null as string | null,
    };
    if (response.status >= 200 && response.status < 300 && html.text.length > 0) {
      output.documentId = randomUUID();
      await this.dataSource.manager.insert(DocumentEntity, {
        id: output.documentId,
        tenantId: context.tenantId,
        source: 'fetch',
        title: html.title ?? url,
        url,
        content: html.text,
      });
    }
    return { status: 'ok', output };
  }

  /** The tool's own checks on what policy saw; the address to connect to. Throws a coded ToolError. */
  private async checkedTarget(context: ToolContext) {
    const resource = context.resource;
    if (!FetchResource.Check(resource))
      throw new ToolError('EGRESS_REFUSED', 'the call carries no resolved addresses to connect to');
    if (resource.scheme !== 'http' && resource.scheme !== 'https')
      throw new ToolError('EGRESS_REFUSED', `scheme ${resource.scheme} is not http or https`);
    const first = resource.addresses[0];
    if (!first) throw new ToolError('FETCH_FAILED', `${resource.host} does not resolve`);
    const settings = await this.settings.get(context.tenantId);
    if (!settings.allowedPorts.includes(resource.port))
      throw new ToolError('EGRESS_REFUSED', `port ${resource.port} is not allowed for this tenant`);
    const allow = [...this.guard.allow, ...settings.allowedCidrs.map(parseCidr)];
    for (const { address } of resource.addresses) {
      const verdict = checkAddress(address, allow);
      if (!verdict.allowed) {
        throw new ToolError(
          'EGRESS_REFUSED',
          `${resource.host} resolves to ${address}, a ${verdict.reason.toLowerCase()} address`,
        );
      }
    }
    return {
      url: new URL(resource.url),
      hostname: resource.host,
      address: first.address,
      family: first.family,
    };
  }
}
