import { isUtf8 } from 'node:buffer';
import { classFromName, RRClass, RRType, typeFromName, typeName } from './constants.ts';
import { DnsEncodeError } from './errors.ts';
import { hexValue, writeIPv4, writeIPv6 } from './ip.ts';
import { encodeName } from './names.ts';
import type { ReplyRecord } from './reply-records.ts';
import type { DomainName } from './types.ts';

/*
 * One resource record in zone-file text (RFC 1035 5.1), read as miekg/dns's NewRR reads it for
 * CoreDNS: `OWNER [TTL] [CLASS] TYPE RDATA` (TTL and class in either order), origin the root, TTL
 * 3600 and class IN when left out, `( )` spanning lines, `;` comments, quoted strings. Only the
 * first record of the text is read. The types the codec models are read field by field; any type
 * may be written in RFC 3597's generic form, `\# LENGTH HEX`.
 */

/** What NewRR gives a record without a TTL (miekg's defaultTtl). */
export const DEFAULT_RECORD_TTL = 3600;

const MAX_UINT32 = 0xffffffff;
const MAX_UINT16 = 0xffff;
const MAX_CHARACTER_STRING = 255;

/** Text that is not a record, worded as miekg's ParseError: `dns: bad A A: "1.2.3" at line: 1:16`. */
export class RecordTextError extends Error {
  readonly reason: string;
  readonly token: string;
  constructor(reason: string, token: Token) {
    super(`dns: ${reason}: ${JSON.stringify(token.text)} at line: ${token.line}:${token.column}`);
    this.name = 'RecordTextError';
    this.reason = reason;
    this.token = token.text;
  }
}

interface Token {
  readonly text: string;
  /** Written in double quotes (a TXT string), its text without them. */
  readonly quoted: boolean;
  readonly line: number;
  /** Where the token ends on its line, as miekg counts. */
  readonly column: number;
}

/** The first record's tokens, and whether its line began with a blank (an owner left out). */
function tokenize(text: string): { tokens: Token[]; indented: boolean } {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let depth = 0;
  let indented = false;
  let i = 0;
  const at = (word: string, quoted: boolean): Token => ({ text: word, quoted, line, column: i - lineStart });
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      if (depth === 0 && tokens.length > 0) break;
      if (tokens.length === 0) indented = false;
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      if (tokens.length === 0 && depth === 0 && i === lineStart) indented = true;
      i++;
      continue;
    }
    if (c === ';') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '(' || c === ')') {
      depth += c === '(' ? 1 : -1;
      i++;
      if (depth < 0) throw new RecordTextError('extra closing brace', at(')', false));
      continue;
    }
    if (c === '"') {
      const start = ++i;
      while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      if (text[i] !== '"') throw new RecordTextError('unbalanced quotes', at(text.slice(start, i), true));
      const word = text.slice(start, i++);
      tokens.push(at(word, true));
      continue;
    }
    const start = i;
    while (i < text.length && !' \t\r\n;()"'.includes(text[i]!)) i += text[i] === '\\' ? 2 : 1;
    tokens.push(at(text.slice(start, Math.min(i, text.length)), false));
  }
  if (depth > 0) throw new RecordTextError('unbalanced brace', at('', false));
  return { tokens, indented };
}

/** miekg's stringToTTL: decimal seconds, or a sum of units (`1h30m`, `2W`); null when not one. */
export function parseTtlText(text: string): number | null {
  let total = 0;
  let value = 0;
  for (const c of text) {
    const unit = UNIT_SECONDS[c.toLowerCase()];
    if (unit !== undefined) {
      total += value * unit;
      value = 0;
    } else if (c >= '0' && c <= '9') {
      value = value * 10 + (c.charCodeAt(0) - 0x30);
    } else {
      return null;
    }
    if (total + value > MAX_UINT32) return null;
  }
  return total + value;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** A name of the text in the server's form: `@` is the origin (the root), relative names are made absolute under it. */
function absoluteName(token: Token, reason: string): DomainName {
  const text = token.text;
  if (token.quoted || text === '') throw new RecordTextError(reason, token);
  if (text === '@' || text === '.') return '';
  let name = text;
  if (name.endsWith('.') && !escapedAt(name, name.length - 1)) name = name.slice(0, -1);
  name = name.toLowerCase();
  try {
    encodeName(name);
  } catch (error) {
    if (error instanceof DnsEncodeError) throw new RecordTextError(reason, token);
    throw error;
  }
  return name;
}

function escapedAt(text: string, index: number): boolean {
  let backslashes = 0;
  for (let i = index - 1; i >= 0 && text[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

function unsigned(token: Token, max: number, reason: string): number {
  if (!/^\d+$/.test(token.text) || Number(token.text) > max) throw new RecordTextError(reason, token);
  return Number(token.text);
}

/** A character-string's bytes: `\DDD` is a byte, `\X` is X. */
function characterBytes(token: Token, reason: string): Buffer {
  const text = token.text;
  if (!text.includes('\\')) return Buffer.from(text, 'utf8');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '\\') {
      bytes.push(...Buffer.from(text[i]!, 'utf8'));
      continue;
    }
    const digits = /^\d{3}/.exec(text.slice(i + 1));
    if (digits !== null) {
      if (Number(digits[0]) > 255) throw new RecordTextError(reason, token);
      bytes.push(Number(digits[0]));
      i += 3;
    } else if (i + 1 < text.length) {
      bytes.push(...Buffer.from(text[++i]!, 'utf8'));
    } else {
      throw new RecordTextError(reason, token);
    }
  }
  return Buffer.from(bytes);
}

/** Character-strings as RDATA: each cut into 255-byte pieces, each piece length-prefixed. */
function characterStringData(strings: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const bytes of strings) {
    for (let at = 0; at === 0 || at < bytes.length; at += MAX_CHARACTER_STRING) {
      const piece = bytes.subarray(at, at + MAX_CHARACTER_STRING);
      parts.push(Buffer.from([piece.length]), piece);
    }
  }
  return Buffer.concat(parts);
}

interface Header {
  readonly name: DomainName;
  readonly ttl: number;
  readonly class: number;
  readonly type: number;
}

/** RFC 3597's `\# LENGTH HEX...` for a record of any type. */
function genericRecord(header: Header, rdata: readonly Token[]): ReplyRecord {
  const reason = 'bad RFC3597 Rdata';
  const last = rdata.at(-1)!;
  const length = unsigned(rdata[1] ?? { ...last, text: '' }, MAX_UINT16, reason);
  const hex = rdata.slice(2).map((token) => token.text).join('');
  if (hex.length !== 2 * length) throw new RecordTextError(reason, last);
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    const high = hexValue(hex.charCodeAt(2 * i));
    const low = hexValue(hex.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) throw new RecordTextError(reason, last);
    data[i] = (high << 4) | low;
  }
  return { ...header, data };
}

function noMore(rdata: readonly Token[], used: number): void {
  const extra = rdata[used];
  if (extra !== undefined) throw new RecordTextError('garbage after rdata', extra);
}

/** The RDATA of the modelled types, field by field. */
function typedRecord(header: Header, rdata: readonly Token[], typeToken: Token): ReplyRecord {
  const { name, ttl, type } = header;
  const cls = header.class;
  const field = (index: number, reason: string): Token => {
    const token = rdata[index];
    if (token === undefined) throw new RecordTextError(reason, { ...(rdata.at(-1) ?? typeToken), text: '' });
    return token;
  };
  const nameAt = (index: number, reason: string): DomainName => absoluteName(field(index, reason), reason);
  const mnemonic = typeName(type);
  switch (type) {
    case RRType.A:
    case RRType.AAAA: {
      const reason = `bad ${mnemonic} ${mnemonic}`;
      const address = field(0, reason);
      const v6 = type === RRType.AAAA;
      // miekg tells the families apart by the colon, so ::ffff:10.0.0.1 is no A.
      if (address.text.includes(':') !== v6 || !(v6 ? writeIPv6 : writeIPv4)(address.text, new Uint8Array(16), 0)) {
        throw new RecordTextError(reason, address);
      }
      noMore(rdata, 1);
      return { name, ttl, class: cls, type, address: address.text } as ReplyRecord;
    }
    case RRType.CNAME:
    case RRType.NS:
    case RRType.PTR: {
      const target = nameAt(0, `bad ${mnemonic} ${type === RRType.CNAME ? 'Target' : type === RRType.NS ? 'Ns' : 'Ptr'}`);
      noMore(rdata, 1);
      return { name, ttl, class: cls, type, target } as ReplyRecord;
    }
    case RRType.MX: {
      const preference = unsigned(field(0, 'bad MX Pref'), MAX_UINT16, 'bad MX Pref');
      const exchange = nameAt(1, 'bad MX Mx');
      noMore(rdata, 2);
      return { name, ttl, class: cls, type, preference, exchange };
    }
    case RRType.SRV: {
      const [priority, weight, port] = ['Priority', 'Weight', 'Port'].map((what, i) =>
        unsigned(field(i, `bad SRV ${what}`), MAX_UINT16, `bad SRV ${what}`),
      ) as [number, number, number];
      const target = nameAt(3, 'bad SRV Target');
      noMore(rdata, 4);
      return { name, ttl, class: cls, type, priority, weight, port, target };
    }
    case RRType.SOA: {
      const mname = nameAt(0, 'bad SOA Ns');
      const rname = nameAt(1, 'bad SOA Mbox');
      const reason = 'bad SOA zone parameter';
      const [serial, refresh, retry, expire, minimum] = [2, 3, 4, 5, 6].map((index) => {
        const token = field(index, reason);
        // The serial is a number; the timers may be written with units, as in $TTL.
        const value = /^\d+$/.test(token.text) ? Number(token.text) : index > 2 ? parseTtlText(token.text) : null;
        if (value === null || value > MAX_UINT32) throw new RecordTextError(reason, token);
        return value;
      }) as [number, number, number, number, number];
      noMore(rdata, 7);
      return { name, ttl, class: cls, type, mname, rname, serial, refresh, retry, expire, minimum };
    }
    case RRType.TXT:
    case RRType.HINFO:
      return stringsRecord(header, rdata);
    default:
      throw new RecordTextError(`clusterdns reads ${mnemonic} records only in RFC 3597's generic form (\\# LENGTH HEX)`, typeToken);
  }
}

/** TXT and HINFO: each (quoted) string a character-string; HINFO is CPU then OS, as miekg splits them. */
function stringsRecord(header: Header, rdata: readonly Token[]): ReplyRecord {
  const { name, ttl, type } = header;
  const cls = header.class;
  if (type === RRType.TXT) {
    const strings = rdata.map((token) => characterBytes(token, 'bad TXT Txt'));
    if (strings.every((bytes) => isUtf8(bytes))) return { name, ttl, class: cls, type: RRType.TXT, text: strings.map((bytes) => bytes.toString('utf8')) };
    return { ...header, data: characterStringData(strings) };
  }
  const reason = 'bad HINFO Fields';
  let fields = rdata.map((token) => characterBytes(token, reason));
  // One string is split on white space; after the CPU, the rest is joined as the OS.
  if (fields.length === 1) fields = fields[0]!.toString('latin1').split(/[ \t]+/).filter(Boolean).map((text) => Buffer.from(text, 'latin1'));
  const [cpu = Buffer.alloc(0), ...rest] = fields;
  const os = Buffer.concat(rest.flatMap((part, i) => (i === 0 ? [part] : [Buffer.from(' '), part])));
  if (cpu.length > MAX_CHARACTER_STRING || os.length > MAX_CHARACTER_STRING) throw new RecordTextError(reason, rdata.at(-1)!);
  if (isUtf8(cpu) && isUtf8(os)) return { name, ttl, class: cls, type: RRType.HINFO, cpu: cpu.toString('utf8'), os: os.toString('utf8') };
  return { ...header, data: Buffer.concat([Buffer.from([cpu.length]), cpu, Buffer.from([os.length]), os]) };
}

/**
 * The first record in `text`, as miekg's NewRR reads it. Names come back in the server's form
 * (lower case, no trailing dot). Throws RecordTextError, naming the token, when the text holds
 * no record or a malformed one.
 */
export function parseRecordText(text: string): ReplyRecord {
  const { tokens, indented } = tokenize(text);
  const [owner, ...rest] = tokens;
  if (owner === undefined) throw new RecordTextError('no resource record', { text: '', quoted: false, line: 1, column: 0 });
  if (indented) throw new RecordTextError('no owner name', owner);
  // A lone word is read as a TTL by miekg, whose lexer only calls a word followed by more an owner.
  if (rest.length === 0) throw new RecordTextError('not a TTL', owner);
  const name = absoluteName(owner, 'bad owner name');
  let ttl: number | null = null;
  let cls: number | null = null;
  let index = 0;
  for (; ; index++) {
    const token = rest[index];
    if (token === undefined) throw new RecordTextError('expecting RR type, TTL or class, not this...', { ...rest.at(-1)!, text: '' });
    const type = token.quoted ? undefined : typeFromName(token.text) ?? numbered(token.text, 'TYPE');
    if (type !== undefined) {
      const header = { name, ttl: ttl ?? DEFAULT_RECORD_TTL, class: cls ?? RRClass.IN, type };
      const rdata = rest.slice(index + 1);
      if (rdata.length === 0) throw new RecordTextError(`bad ${typeName(type)} rdata`, { ...token, text: '' });
      return rdata[0]!.text === '\\#' && !rdata[0]!.quoted ? genericRecord(header, rdata) : typedRecord(header, rdata, token);
    }
    const recordClass = token.quoted ? undefined : classFromName(token.text) ?? numbered(token.text, 'CLASS');
    if (recordClass !== undefined && cls === null) {
      cls = recordClass;
      continue;
    }
    const seconds: number | null = token.quoted || ttl !== null ? null : parseTtlText(token.text);
    if (seconds === null) throw new RecordTextError(ttl === null ? 'not a TTL' : 'unknown RR type', token);
    ttl = seconds;
  }
}

/** RFC 3597's TYPEnnn and CLASSnnn. */
function numbered(text: string, prefix: 'TYPE' | 'CLASS'): number | undefined {
  const match = new RegExp(`^${prefix}(\\d{1,5})$`, 'i').exec(text);
  if (match === null) return undefined;
  const value = Number(match[1]);
  return value <= MAX_UINT16 ? value : undefined;
}
