import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { parseSearxngResults } from '../search/searxng-search.engine.js';
import { htmlToText } from '../tools/html-to-text.js';
import { urlResource } from '../tools/http-fetch.tool.js';
import { type ToolDefinition } from './tool-definition.contract.js';
import { ToolRegistry } from './tool.registry.js';

const echo: ToolDefinition = {
  name: 'test.echo',
  description: 'echo',
  parameters: Type.Object(
    {
      language: Type.Union([Type.Literal('python'), Type.Literal('node')]),
      n: Type.Optional(Type.Integer()),
    },
    { additionalProperties: false },
  ),
  risk: 'low',
  timeoutMs: 1000,
  outputCapBytes: 100,
  run: (args) => Promise.resolve({ status: 'ok', output: args }),
};

describe('ToolRegistry.check', () => {
  const registry = new ToolRegistry([echo]);

  it('accepts arguments matching the schema', () => {
    expect(registry.check('test.echo', { language: 'python', n: 2 })).toMatchObject({ ok: true });
  });

  it('names the schema path of each invalid argument', () => {
    const result = registry.check('test.echo', { language: 'cobol', n: 1.5, extra: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe('INVALID_ARGUMENTS');
    expect(result.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['/language', '/n', '/extra']));
    expect(result.message).toContain('/language');
  });

  it('reports a missing required argument at its path', () => {
    const result = registry.check('test.echo', {});
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toContain('/language');
  });

  it('rejects an unknown tool and lists the known ones', () => {
    const result = registry.check('nope', {});
    expect(result).toMatchObject({ ok: false, code: 'UNKNOWN_TOOL' });
    expect(result.ok ? '' : result.message).toContain('test.echo');
  });

  it('refuses two tools with one name', () => {
    expect(() => new ToolRegistry([echo, echo])).toThrow(/two tools/);
  });
});

describe('http.fetch helpers', () => {
  it('derives scheme, host and port for policy, and marks unparsable URLs invalid', () => {
    expect(urlResource('http://127.0.0.1:8080/x')).toMatchObject({
      scheme: 'http',
      host: '127.0.0.1',
      port: 8080,
    });
    expect(urlResource('https://Docs.Example.org/a')).toMatchObject({
      scheme: 'https',
      host: 'docs.example.org',
      port: 443,
    });
    expect(urlResource('file:///etc/passwd')).toMatchObject({ scheme: 'file' });
    expect(urlResource('not a url')).toMatchObject({ scheme: 'invalid', host: '' });
  });

  const limits = { maxChars: 1_000_000, timeBudgetMs: 5000 };

  it('turns HTML into text with its title, dropping scripts and styles', async () => {
    const page =
      '<html><title> T </title><style>x{}</style><script>alert(1)</script><p>a &amp; b</p><div>c</div></html>';
    expect(await htmlToText(page, limits)).toEqual({ title: 'T', text: 'a & b c', truncated: false });
  });

  it('keeps at most maxChars of text and says so', async () => {
    const page = `<p>${'word '.repeat(1000)}</p>`;
    const { text, truncated } = await htmlToText(page, { ...limits, maxChars: 100 });
    expect(text.length).toBeLessThanOrEqual(100);
    expect(truncated).toBe(true);
  });

  it('is linear on pathological input: 512 KiB of "<" never holds the event loop for long', async () => {
    const hostile = [
      '<'.repeat(512 * 1024),
      '<a '.repeat(170 * 1024),
      `<p>${'<!--'.repeat(128 * 1024)}`,
      `<div title="${'x'.repeat(512 * 1024)}`,
    ];
    for (const page of hostile) {
      let longestGapMs = 0;
      let last = performance.now();
      const ticker = setInterval(() => {
        const now = performance.now();
        longestGapMs = Math.max(longestGapMs, now - last);
        last = now;
      }, 1);
      const started = performance.now();
      await htmlToText(page, limits);
      const tookMs = performance.now() - started;
      clearInterval(ticker);
      // The regex version took 30 s to 2 min on such pages; a linear pass takes milliseconds per slice.
      expect(tookMs).toBeLessThan(2000);
      expect(longestGapMs).toBeLessThan(250);
    }
  });
});

describe('SearxNG results', () => {
  it('maps results and refuses an unexpected shape', () => {
    const hits = parseSearxngResults(
      {
        results: [
          { title: 't', url: 'u', content: 'c' },
          { title: 't2', url: 'u2' },
        ],
      },
      1,
    );
    expect(hits).toEqual([{ title: 't', url: 'u', snippet: 'c', documentId: null }]);
    expect(() => parseSearxngResults({ hits: [] }, 5)).toThrow(/unexpected format/);
  });
});
