import { DnsEncodeError, DnsParseError } from './errors.ts';
import type { DomainName } from './types.ts';

/**
 * The byte-level name codec shared by the query parser, the reply encoder and the message
 * decoder. Presentation form follows miekg/dns (and so CoreDNS logs): ASCII letters are
 * lower-cased, `. ' @ ; ( ) " \` and space inside a label are backslash-escaped, other bytes
 * outside printable ASCII become `\DDD`. writeName reads those escapes back.
 */

export const MAX_NAME_LENGTH = 255;
export const MAX_LABEL_LENGTH = 63;
/** The furthest offset a compression pointer reaches: it carries 14 bits. */
export const MAX_POINTER_TARGET = 0x3fff;

/**
 * The presentation byte of each wire byte that stands for itself in a label (ASCII letters
 * lower-cased), or -1 for one that takes a backslash (see presentEscaped).
 */
const plainByte = new Int16Array(256);
for (let b = 0; b < 256; b++) plainByte[b] = b < 0x20 || b > 0x7e ? -1 : b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
for (const c of '. \'@;()"\\') plainByte[c.charCodeAt(0)] = -1;
/** plainByte with ASCII letters as they were sent. */
const spelledByte = plainByte.map((plain, b) => (plain >= 0 ? b : plain));

/** Each wire byte becomes at most 4 presentation bytes (\DDD). */
const presentation = Buffer.allocUnsafe(MAX_NAME_LENGTH * 4);
/** Where each label of the name decoded last starts (its length byte) in the message, and how many it has. */
const labelStarts = new Int32Array(MAX_NAME_LENGTH >> 1);
let labelCount = 0;

/** Where the last decodeName call's name ended in the message (past the first pointer, if any). */
export const decoded = { end: 0 };

/**
 * Decodes the name at `offset`, lower-cased (as sent with `keepCase`), into DomainName form and
 * sets `decoded`. This is the one walk over names on the wire: copyName and skipName go through
 * it. Pointers must go strictly backwards from the start of the labels that contain them, which
 * bounds the walk without a counter.
 */
export function decodeName(buf: Uint8Array, offset: number, allowPointers: boolean, keepCase = false): DomainName {
  const bytes = keepCase ? spelledByte : plainByte;
  const length = buf.length;
  let pos = offset;
  let segmentStart = offset;
  let end = -1;
  let wireLength = 1;
  let labels = 0;
  let out = 0;
  for (;;) {
    if (pos >= length) throw new DnsParseError('name runs past the end of the message', pos);
    const c = buf[pos] as number;
    if (c === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    const kind = c & 0xc0;
    if (kind === 0xc0) {
      if (!allowPointers) throw new DnsParseError('compression pointer where none is allowed', pos);
      if (pos + 1 >= length) throw new DnsParseError('compression pointer runs past the end of the message', pos);
      const target = ((c & 0x3f) << 8) | (buf[pos + 1] as number);
      if (target >= segmentStart) throw new DnsParseError('compression pointer does not point backwards', pos);
      if (end < 0) end = pos + 2;
      pos = segmentStart = target;
      continue;
    }
    if (kind !== 0) throw new DnsParseError('unsupported label type', pos);
    wireLength += c + 1;
    if (wireLength > MAX_NAME_LENGTH) throw new DnsParseError('name longer than 255 bytes', pos);
    const labelEnd = pos + 1 + c;
    if (labelEnd > length) throw new DnsParseError('label runs past the end of the message', pos);
    labelStarts[labels++] = pos;
    if (out > 0) presentation[out++] = 0x2e;
    for (let i = pos + 1; i < labelEnd; i++) {
      const b = buf[i] as number;
      const plain = bytes[b] as number;
      if (plain >= 0) presentation[out++] = plain;
      else out = presentEscaped(b, out);
    }
    pos = labelEnd;
  }
  decoded.end = end;
  labelCount = labels;
  return out === 0 ? '' : presentation.toString('latin1', 0, out);
}

/** `. ' @ ; ( ) " \` and space become `\c`, bytes outside printable ASCII `\DDD`; returns the position past them. */
function presentEscaped(b: number, at: number): number {
  presentation[at++] = 0x5c;
  if (b >= 0x20 && b <= 0x7e) {
    presentation[at++] = b;
    return at;
  }
  presentation[at++] = 0x30 + ((b / 100) | 0);
  presentation[at++] = 0x30 + (((b / 10) | 0) % 10);
  presentation[at++] = 0x30 + (b % 10);
  return at;
}

/**
 * Copies the name at `offset` into `out` uncompressed, its bytes as they were sent (case kept),
 * and returns its wire length; `decoded.end` says where it ended in `buf`. `out` needs room for
 * 255 bytes. The walk is decodeName's, its string left unused: taking the walk out of
 * decodeName into a function of its own cost parseQuery, which every query goes through, 4-8%.
 */
export function copyName(buf: Uint8Array, offset: number, out: Uint8Array): number {
  decodeName(buf, offset, true);
  let written = 0;
  for (let label = 0; label < labelCount; label++) {
    const start = labelStarts[label] as number;
    const end = start + 1 + (buf[start] as number);
    for (let i = start; i < end; i++) out[written++] = buf[i] as number;
  }
  out[written++] = 0;
  return written;
}

/** Skips past the name at `offset` (validating it fully) and returns where it ends. */
export function skipName(buf: Uint8Array, offset: number): number {
  decodeName(buf, offset, true);
  return decoded.end;
}

/**
 * Writes `name` uncompressed at `offset` and returns the offset past it. The caller guarantees
 * 255 bytes of room. Non-ASCII characters are written as UTF-8, as a Go string would carry them.
 */
export function writeName(name: DomainName, out: Uint8Array, offset: number): number {
  let pos = offset;
  if (name.length === 0) {
    out[pos] = 0;
    return pos + 1;
  }
  let labelStart = pos++;
  const limit = offset + MAX_NAME_LENGTH - 1;
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c === 0x2e) {
      pos = closeLabel(name, out, labelStart, pos);
      labelStart = pos++;
      if (pos > limit) throw new DnsEncodeError('name longer than 255 bytes', name);
      continue;
    }
    if (c === 0x5c) {
      const d1 = digit(name, i + 1);
      if (d1 >= 0) {
        const d2 = digit(name, i + 2);
        const d3 = digit(name, i + 3);
        const value = d1 * 100 + d2 * 10 + d3;
        if (d2 < 0 || d3 < 0 || value > 255) throw new DnsEncodeError('bad \\DDD escape in name', name);
        if (pos >= limit) throw new DnsEncodeError('name longer than 255 bytes', name);
        out[pos++] = value;
        i += 3;
        continue;
      }
      if (i + 1 >= name.length) throw new DnsEncodeError('name ends in a lone backslash', name);
      c = name.charCodeAt(++i);
    }
    if (c < 0x80) {
      if (pos >= limit) throw new DnsEncodeError('name longer than 255 bytes', name);
      out[pos++] = c;
    } else {
      const codePoint = name.codePointAt(i) as number;
      if (codePoint > 0xffff) i++;
      pos = writeUtf8(codePoint, out, pos, limit, name);
    }
  }
  pos = closeLabel(name, out, labelStart, pos);
  out[pos] = 0;
  return pos + 1;
}

function closeLabel(name: DomainName, out: Uint8Array, labelStart: number, pos: number): number {
  const labelLength = pos - labelStart - 1;
  if (labelLength === 0) throw new DnsEncodeError('empty label in name', name);
  if (labelLength > MAX_LABEL_LENGTH) throw new DnsEncodeError('label longer than 63 bytes', name);
  out[labelStart] = labelLength;
  return pos;
}

function digit(text: string, index: number): number {
  const c = index < text.length ? text.charCodeAt(index) : 0;
  return c >= 0x30 && c <= 0x39 ? c - 0x30 : -1;
}

function writeUtf8(codePoint: number, out: Uint8Array, pos: number, limit: number, name: DomainName): number {
  // Lone surrogates become U+FFFD, as Buffer.from(text, 'utf8') does.
  const cp = codePoint >= 0xd800 && codePoint <= 0xdfff ? 0xfffd : codePoint;
  const size = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  if (pos + size > limit) throw new DnsEncodeError('name longer than 255 bytes', name);
  if (size === 2) {
    out[pos++] = 0xc0 | (cp >> 6);
  } else if (size === 3) {
    out[pos++] = 0xe0 | (cp >> 12);
    out[pos++] = 0x80 | ((cp >> 6) & 0x3f);
  } else {
    out[pos++] = 0xf0 | (cp >> 18);
    out[pos++] = 0x80 | ((cp >> 12) & 0x3f);
    out[pos++] = 0x80 | ((cp >> 6) & 0x3f);
  }
  out[pos++] = 0x80 | (cp & 0x3f);
  return pos;
}
