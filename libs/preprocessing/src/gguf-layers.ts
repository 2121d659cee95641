import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PreprocessingError } from './preprocessing.errors.js';

/**
 * Derives a GGUF holding only the first `layers` transformer blocks of a decoder model (token embedding,
 * blocks 0..layers-1, final norm and output head), with `<arch>.block_count` rewritten. The embedding of an
 * early layer is as good a sentence representation for a linear classifier as the last one, at a fraction of
 * the compute; this keeps preprocessing within its latency budget on two shared cores.
 */
const SCALAR_SIZES: Record<number, number> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};
const STRING = 8;
const ARRAY = 9;
const UINT32 = 4;

interface TensorInfo {
  name: string;
  /** Name, dims and type, as in the file; the offset is rewritten. */
  info: Buffer;
  offset: number;
  size: number;
}

class Reader {
  offset = 0;
  constructor(readonly buffer: Buffer) {}
  u32(): number {
    const value = this.buffer.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }
  u64(): number {
    const value = Number(this.buffer.readBigUInt64LE(this.offset));
    this.offset += 8;
    return value;
  }
  string(): string {
    const length = this.u64();
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  skipValue(type: number): void {
    if (type === STRING) this.string();
    else if (type === ARRAY) {
      const itemType = this.u32();
      const count = this.u64();
      for (let i = 0; i < count; i++) this.skipValue(itemType);
    } else {
      const size = SCALAR_SIZES[type];
      if (size === undefined)
        throw new PreprocessingError('MODEL_NOT_LOADED', `unknown GGUF value type ${type}`);
      this.offset += size;
    }
  }
}

const align = (value: number, alignment: number): number => Math.ceil(value / alignment) * alignment;

export function truncateGgufLayers(source: Buffer, layers: number): Buffer {
  const reader = new Reader(source);
  if (source.toString('ascii', 0, 4) !== 'GGUF')
    throw new PreprocessingError('MODEL_NOT_LOADED', 'not a GGUF file');
  reader.offset = 4;
  const version = reader.u32();
  const tensorCount = reader.u64();
  const kvCount = reader.u64();
  const kvStart = reader.offset;
  let blockCountAt = -1;
  let alignment = 32;
  for (let i = 0; i < kvCount; i++) {
    const key = reader.string();
    const type = reader.u32();
    if (key.endsWith('.block_count') && type === UINT32) blockCountAt = reader.offset;
    if (key === 'general.alignment' && type === UINT32) alignment = source.readUInt32LE(reader.offset);
    reader.skipValue(type);
  }
  const kvEnd = reader.offset;
  if (blockCountAt < 0) throw new PreprocessingError('MODEL_NOT_LOADED', 'GGUF has no block_count');
  const tensors: TensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const start = reader.offset;
    const name = reader.string();
    const dims = reader.u32();
    reader.offset += 8 * dims + 4;
    const info = source.subarray(start, reader.offset);
    tensors.push({ name, info, offset: reader.u64(), size: 0 });
  }
  const dataStart = align(reader.offset, alignment);
  const byOffset = [...tensors].sort((a, b) => a.offset - b.offset);
  byOffset.forEach((tensor, i) => {
    tensor.size = (byOffset[i + 1]?.offset ?? source.length - dataStart) - tensor.offset;
  });
  const kept = tensors.filter((tensor) => {
    const block = /^blk\.(\d+)\./.exec(tensor.name);
    return !block || Number(block[1]) < layers;
  });

  const header = Buffer.alloc(24);
  header.write('GGUF', 0, 'ascii');
  header.writeUInt32LE(version, 4);
  header.writeBigUInt64LE(BigInt(kept.length), 8);
  header.writeBigUInt64LE(BigInt(kvCount), 16);
  const kv = Buffer.from(source.subarray(kvStart, kvEnd));
  kv.writeUInt32LE(layers, blockCountAt - kvStart);
  const parts: Buffer[] = [header, kv];
  const newOffsets: number[] = [];
  let cursor = 0;
  for (const tensor of kept) {
    cursor = align(cursor, alignment);
    newOffsets.push(cursor);
    const offset = Buffer.alloc(8);
    offset.writeBigUInt64LE(BigInt(cursor));
    parts.push(tensor.info, offset);
    cursor += tensor.size;
  }
  const headerLength = parts.reduce((sum, part) => sum + part.length, 0);
  parts.push(Buffer.alloc(align(headerLength, alignment) - headerLength));
  let written = 0;
  kept.forEach((tensor, i) => {
    const target = newOffsets[i] ?? 0;
    if (target > written) parts.push(Buffer.alloc(target - written));
    parts.push(source.subarray(dataStart + tensor.offset, dataStart + tensor.offset + tensor.size));
    written = target + tensor.size;
  });
  return Buffer.concat(parts);
}

/** Path of the derived model beside the original; derived once (atomically) and reused. */
export function ensureTruncatedModel(
  modelPath: string,
  layers: number,
  cacheDir = dirname(modelPath),
): string {
  const target = join(cacheDir, basename(modelPath).replace(/\.gguf$/, '') + `.first${layers}.gguf`);
  if (existsSync(target)) return target;
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, truncateGgufLayers(readFileSync(modelPath), layers));
  renameSync(temporary, target);
  return target;
}
