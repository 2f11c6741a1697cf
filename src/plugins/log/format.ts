import { className, rcodeMnemonic, typeName } from '../../dns/constants.ts';
import { toFqdn } from '../../dns/names.ts';
import type { Reply } from '../../dns/types.ts';
import type { Request } from '../../toolkit/types.ts';
import type { ResponseClass, ResponseType } from './classify.ts';

/** CoreDNS's Common Log Format; `-` stands where Apache's ident field was. */
export const COMMON_LOG_FORMAT =
  '{remote}:{port} - {>id} "{type} {class} {name} {proto} {size} {>do} {>bufsize}" {rcode} {>rflags} {rsize} {duration}';
export const COMBINED_LOG_FORMAT = `${COMMON_LOG_FORMAT} "{>opcode}"`;

const EMPTY_VALUE = '-';

const LABELS = [
  '{type}',
  '{name}',
  '{class}',
  '{proto}',
  '{size}',
  '{remote}',
  '{port}',
  '{local}',
  '{>id}',
  '{>opcode}',
  '{>do}',
  '{>bufsize}',
  '{rcode}',
  '{rsize}',
  '{duration}',
  '{>rflags}',
] as const;
type Label = (typeof LABELS)[number];
const labelSet = new Set<string>(LABELS);

/** A compiled format: literal text, a placeholder, or a `{/name}` metadata lookup. */
export type FormatPart =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'label'; readonly label: Label }
  | { readonly kind: 'metadata'; readonly key: string };

/**
 * Splits a format as CoreDNS's replacer does: each `}` closes the nearest `{` before it; a
 * placeholder it does not know stays literal text, `{/x}` is metadata.
 */
export function compileFormat(format: string): FormatPart[] {
  const parts: FormatPart[] = [];
  const literal = (text: string): void => {
    const last = parts.at(-1);
    if (last?.kind === 'literal') parts[parts.length - 1] = { kind: 'literal', text: last.text + text };
    else if (text !== '') parts.push({ kind: 'literal', text });
  };
  let rest = format;
  for (let close = rest.indexOf('}'); close >= 0; close = rest.indexOf('}')) {
    const open = rest.lastIndexOf('{', close);
    const token = open < 0 ? '' : rest.slice(open, close + 1);
    if (labelSet.has(token)) {
      literal(rest.slice(0, open));
      parts.push({ kind: 'label', label: token as Label });
    } else if (token.startsWith('{/')) {
      literal(rest.slice(0, open));
      parts.push({ kind: 'metadata', key: token.slice(2, -1) });
    } else {
      literal(rest.slice(0, close + 1));
    }
    rest = rest.slice(close + 1);
  }
  literal(rest);
  return parts;
}

/** The RCODE as CoreDNS's replacer prints it: miekg's mnemonic, or the number. */
function responseCodeName(rcode: number): string {
  return rcodeMnemonic(rcode) ?? String(rcode);
}

/** An IPv6 address in brackets, as RFC 3986 writes it before a port. */
function bracketed(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [0x8000, 'qr'],
  [0x0400, 'aa'],
  [0x0200, 'tc'],
  [0x0100, 'rd'],
  [0x0080, 'ra'],
  [0x0040, 'z'],
  [0x0020, 'ad'],
  [0x0010, 'cd'],
];

function flagList(flags: number): string {
  let text = '';
  for (const [bit, name] of FLAG_NAMES) if (flags & bit) text = text === '' ? name : `${text},${name}`;
  return text;
}

/** Seconds as Go's strconv 'f' -1 prints them: shortest digits, never an exponent. */
export function formatSeconds(nanoseconds: number): string {
  const seconds = nanoseconds / 1e9;
  if (seconds === 0 || seconds >= 1e-6) return String(seconds);
  return seconds.toFixed(9).replace(/0+$/, '');
}

/** What a rendered line may use besides the request: the response and how it is classified. */
export interface LogContext {
  readonly request: Request;
  readonly reply: Reply;
  readonly response: Buffer;
  readonly durationNs: number;
  readonly responseType: () => ResponseType;
  readonly responseClass: () => ResponseClass;
}

function labelValue(label: Label, context: LogContext): string {
  const { request, reply, response } = context;
  const { query } = request;
  switch (label) {
    case '{type}':
      return typeName(query.type);
    case '{name}':
      return toFqdn(query.name);
    case '{class}':
      return className(query.class);
    case '{proto}':
      return request.transport;
    case '{size}':
      return String(query.raw.length);
    case '{remote}':
      return bracketed(request.remoteAddress);
    case '{port}':
      return String(request.remotePort);
    case '{local}':
      return bracketed(request.localAddress);
    case '{>id}':
      return String(query.id);
    case '{>opcode}':
      return String(query.opcode);
    case '{>do}':
      return String(query.edns?.dnssecOk ?? false);
    case '{>bufsize}':
      return String(request.transport === 'tcp' ? 65535 : Math.max(512, query.edns?.udpSize ?? 512));
    case '{rcode}':
      return responseCodeName(reply.rcode);
    case '{rsize}':
      // CoreDNS records the reply as the plugins wrote it: before truncation, without the OPT
      // record the server adds on the way out.
      return String(query.questionEnd + reply.body.length);
    case '{duration}':
      return `${formatSeconds(context.durationNs)}s`;
    case '{>rflags}':
      return flagList(response.readUInt16BE(2));
  }
}

function metadataValue(key: string, context: LogContext): string {
  if (key === 'log/type') return context.responseType();
  if (key === 'log/class') return context.responseClass();
  return EMPTY_VALUE;
}

export function renderFormat(parts: readonly FormatPart[], context: LogContext): string {
  let line = '';
  for (const part of parts) {
    if (part.kind === 'literal') line += part.text;
    else if (part.kind === 'label') line += labelValue(part.label, context);
    else line += metadataValue(part.key, context);
  }
  return line;
}
