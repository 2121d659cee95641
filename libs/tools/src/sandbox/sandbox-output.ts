/** Bytes one UTF-16 code unit (or pair) takes in JSON.stringify's output, escapes included. */
function jsonBytes(code: number): number {
  if (code === 0x22 || code === 0x5c) return 2; // \" \\
  if (code < 0x20)
    return code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 2 : 6;
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  return 3;
}

/**
 * The longest prefix of `text` whose JSON encoding (without the quotes) fits in `cap` bytes: the cap a tool's
 * result is measured by. A control byte costs 6 (\u0001), so a raw-byte cap alone let such output grow 6×.
 */
export function capJsonText(text: string, cap: number): { text: string; truncated: boolean } {
  let size = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const high = code >= 0xd800 && code <= 0xdbff;
    const low = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    const pair = high && low >= 0xdc00 && low <= 0xdfff;
    // A pair is 4 bytes of UTF-8; a lone surrogate is escaped (\udXXX).
    const bytes = pair ? 4 : code >= 0xd800 && code <= 0xdfff ? 6 : jsonBytes(code);
    if (size + bytes > cap) return { text: text.slice(0, i), truncated: true };
    size += bytes;
    if (pair) i++;
  }
  return { text, truncated: false };
}

/** Keeps the first `cap` bytes of a stream and counts the rest. */
export class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Keeps the last `cap` bytes of a stream (why a program died is at the end of what it wrote). */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  dropped = 0;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.cap) {
      const first = this.chunks[0] as Buffer;
      const excess = this.size - this.cap;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
        this.dropped += first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
        this.dropped += excess;
      }
    }
  }

  /** The kept bytes as text (a character cut at the start shows as U+FFFD). */
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
