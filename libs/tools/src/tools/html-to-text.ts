import { Parser } from 'htmlparser2';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** Elements whose content is never text a reader sees. */
const HIDDEN = new Set(['script', 'style', 'noscript', 'template', 'svg']);

/** Elements that separate words: a space is put where they open and close. */
const BREAKS = new Set([
  'p', 'div', 'br', 'li', 'ul', 'ol', 'tr', 'td', 'th', 'table', 'section', 'article', 'header', 'footer',
  'nav', 'aside', 'main', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'blockquote', 'hr', 'dd', 'dt', 'option',
]); // prettier-ignore

export interface HtmlToTextLimits {
  /** Characters of text kept; the rest of the page is not parsed. */
  maxChars: number;
  /** Wall-clock bound of the whole conversion; what was parsed by then is returned. */
  timeBudgetMs: number;
  /** Characters parsed between two yields to the event loop. */
  sliceChars?: number;
}

export interface HtmlText {
  title: string | null;
  text: string;
  /** The text stopped at maxChars or at the time budget. */
  truncated: boolean;
}

/**
 * Text of an HTML page with a streaming tokenizer (htmlparser2: one pass, linear in the input, no
 * backtracking regexes): hidden elements dropped, entities decoded, whitespace collapsed. The page is fed in
 * slices with a yield to the event loop between them, so even the largest page never holds the executor's
 * loop (other calls' timers, Kafka heartbeats) for more than one slice.
 */
export async function htmlToText(html: string, limits: HtmlToTextLimits): Promise<HtmlText> {
  const slice = limits.sliceChars ?? 32 * 1024;
  const deadline = performance.now() + limits.timeBudgetMs;
  const parts: string[] = [];
  let length = 0;
  let hidden = 0;
  let inTitle = false;
  let title = '';
  let full = false;
  const push = (text: string): void => {
    if (full) return;
    const room = limits.maxChars - length;
    const kept = text.length > room ? text.slice(0, room) : text;
    parts.push(kept);
    length += kept.length;
    if (kept.length < text.length) full = true;
  };
  const parser = new Parser(
    {
      onopentagname(name) {
        if (HIDDEN.has(name)) hidden++;
        if (name === 'title') inTitle = true;
        if (BREAKS.has(name)) push(' ');
      },
      onclosetag(name) {
        if (HIDDEN.has(name) && hidden > 0) hidden--;
        if (name === 'title') inTitle = false;
        if (BREAKS.has(name)) push(' ');
      },
      ontext(text) {
        if (inTitle && title.length < 1000) title += text;
        else if (hidden === 0) push(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  let truncated = false;
  for (let at = 0; at < html.length; at += slice) {
    parser.write(html.slice(at, at + slice));
    if (full) {
      truncated = true;
      break;
    }
    if (at + slice < html.length) {
      if (performance.now() > deadline) {
        truncated = true;
        break;
      }
      await yieldToLoop();
    }
  }
  parser.end();
  const text = parts.join('').replace(/\s+/g, ' ').trim();
  const cleanTitle = title.replace(/\s+/g, ' ').trim();
  return { title: cleanTitle === '' ? null : cleanTitle, text, truncated: truncated || full };
}
