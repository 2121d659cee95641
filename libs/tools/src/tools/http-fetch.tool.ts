import { Injectable } from '@nestjs/common';
import { DocumentEntity } from '#soma/persistence';
import { Type, type Static } from '@sinclair/typebox';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  type ToolContext,
  type ToolDefinition,
  type ToolOutcome,
} from '../registry/tool-definition.contract.js';

const MAX_BYTES = 512 * 1024;

const Parameters = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL on the egress allow-list' }),
    maxBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BYTES, description: 'Body bytes kept' })),
  },
  { additionalProperties: false },
);

/** What policy decides egress on: the URL's scheme, host and port. */
export function urlResource(raw: string): Record<string, unknown> {
  try {
    const url = new URL(raw);
    const scheme = url.protocol.replace(/:$/, '');
    const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
    return { url: url.href, scheme, host: url.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port };
  } catch {
    return { url: raw, scheme: 'invalid', host: '', port: 0 };
  }
}

/** Text of an HTML page, roughly: scripts, styles and tags dropped, whitespace collapsed. */
export function htmlToText(html: string): { title: string | null; text: string } {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1]?.trim() ?? null;
  const text = html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ')
    .trim();
  return { title, text };
}

async function readCapped(body: ReadableStream<Uint8Array> | null, cap: number) {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  if (!body) return { bytes: new Uint8Array(), truncated };
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = cap - size;
    if (value.length > room) {
      chunks.push(value.subarray(0, room));
      size = cap;
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    size += value.length;
  }
  return { bytes: Buffer.concat(chunks), truncated };
}

/**
 * http.fetch: GET a URL the tenant's egress allow-list permits (policy decides on `resource`), within size and
 * time caps. Redirects are not followed: their target would bypass the allow-list. The text is kept as a
 * document, so web.search finds it later.
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

  constructor(private readonly dataSource: DataSource) {}

  resource(args: Static<typeof Parameters>): Record<string, unknown> {
    return urlResource(args.url);
  }

  async run(args: Static<typeof Parameters>, context: ToolContext): Promise<ToolOutcome> {
    const url = urlResource(args.url).url as string;
    const response = await fetch(url, {
      redirect: 'manual',
      signal: context.signal,
      headers: {
        'user-agent': 'SomaAgent-http.fetch/0.1',
        accept: 'text/*, application/json;q=0.9, */*;q=0.1',
      },
    });
    const { bytes, truncated } = await readCapped(response.body, args.maxBytes ?? 256 * 1024);
    const contentType = response.headers.get('content-type') ?? '';
    const raw = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    const html = contentType.includes('html') ? htmlToText(raw) : { title: null, text: raw };
    const output = {
      url,
      status: response.status,
      contentType,
      location: response.headers.get('location'),
      text: html.text,
      bytes: bytes.length,
      truncated,
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
}
