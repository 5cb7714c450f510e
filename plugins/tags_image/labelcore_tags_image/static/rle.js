// Label Studio's brush masks: a bit-packed run-length encoding of the image's RGBA bytes, read
// most significant bit first. A port of labelcore_tags_image/rle.py (which documents the format):
// 32 bits count, 5 bits word size - 1, 4 x 4 bits run sizes - 1, then blocks of
// [1 bit repeat][2 bits run size index][n - 1 in that many bits][one value, or n values].

export const DEFAULT_RUN_SIZES = [3, 4, 8, 16];
const HEADER_BITS = 32 + 5 + 16;

export class RLEError extends Error {}

class BitWriter {
  constructor() {
    this.bytes = [];
    this.current = 0;
    this.bits = 0;
  }

  write(value, width) {
    for (let bit = width - 1; bit >= 0; bit -= 1) {
      this.current = (this.current << 1) | (Math.floor(value / 2 ** bit) & 1);
      this.bits += 1;
      if (this.bits === 8) {
        this.bytes.push(this.current);
        this.current = 0;
        this.bits = 0;
      }
    }
  }

  finish() {
    if (this.bits) this.bytes.push((this.current << (8 - this.bits)) & 0xff);
    return this.bytes;
  }
}

class BitReader {
  constructor(bytes) {
    this.bytes = bytes;
    this.total = bytes.length * 8;
    this.pos = 0;
  }

  read(width) {
    if (this.pos + width > this.total) throw new RLEError("the stream ends early");
    let value = 0;
    for (let index = 0; index < width; index += 1) {
      const pos = this.pos + index;
      value = value * 2 + ((this.bytes[pos >> 3] >> (7 - (pos & 7))) & 1);
    }
    this.pos += width;
    return value;
  }
}

/** Encode values (an RGBA mask: width * height * 4 bytes) into Label Studio's RLE bytes. */
export function encode(values, wordSize = 8, runSizes = DEFAULT_RUN_SIZES) {
  const limit = 2 ** Math.max(...runSizes);
  const writer = new BitWriter();
  writer.write(values.length, 32);
  writer.write(wordSize - 1, 5);
  for (const size of runSizes) writer.write(size - 1, 4);
  const block = (repeat, length) => {
    const selector = runSizes.findIndex((size) => length - 1 < 2 ** size);
    writer.write(((repeat ? 1 : 0) << 2) | selector, 3);
    writer.write(length - 1, runSizes[selector]);
  };
  let literalStart = 0;
  let literalLength = 0;
  const flushLiteral = () => {
    for (let start = 0; start < literalLength; start += limit) {
      const chunk = Math.min(limit, literalLength - start);
      block(false, chunk);
      for (let index = 0; index < chunk; index += 1) writer.write(values[literalStart + start + index], wordSize);
    }
    literalLength = 0;
  };
  let index = 0;
  while (index < values.length) {
    const value = values[index];
    let end = index + 1;
    while (end < values.length && values[end] === value) end += 1;
    let length = end - index;
    if (length === 1) {
      if (!literalLength) literalStart = index;
      literalLength += 1;
    } else {
      flushLiteral();
      while (length) {
        const part = Math.min(length, limit);
        block(true, part);
        writer.write(value, wordSize);
        length -= part;
      }
    }
    index = end;
  }
  flushLiteral();
  return writer.finish();
}

/** Decode Label Studio RLE bytes into a Uint8Array of values (8-bit words). */
export function decode(bytes) {
  const reader = new BitReader(bytes);
  if (reader.total < HEADER_BITS) throw new RLEError("the stream is shorter than its header");
  const count = reader.read(32);
  const wordSize = reader.read(5) + 1;
  const runSizes = [0, 1, 2, 3].map(() => reader.read(4) + 1);
  const out = new Uint8Array(count);
  let done = 0;
  while (done < count) {
    const head = reader.read(3);
    const length = reader.read(runSizes[head & 3]) + 1;
    if (done + length > count) throw new RLEError("a block runs past the declared count");
    if (head >> 2) {
      const value = reader.read(wordSize);
      if (value) out.fill(value, done, done + length);
    } else {
      for (let index = 0; index < length; index += 1) out[done + index] = reader.read(wordSize);
    }
    done += length;
  }
  return out;
}
