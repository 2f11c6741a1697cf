import { className, HeaderFlag, typeName } from '../../dns/constants.ts';
import { decodeName } from '../../dns/name-codec.ts';
import { toFqdn } from '../../dns/names.ts';
import type { Query } from '../../dns/types.ts';
import { GoMap, GoSlice, GoStruct, type GoMethod, type GoValue } from './gotemplate/values.ts';

// What a template sees, as CoreDNS's *template.templateData: .Zone .Name .Regex .Match .Group
// .Class .Type .Message .Question .Remote and the .Meta method. clusterdns has no metadata
// plugin, so .Meta gives "" for every name, as CoreDNS's does without one.

/** The question as sent (its name in the asker's case), fields as miekg's dns.Question. */
class Question extends GoStruct {
  readonly typeName: string;
  private readonly query: Query;
  private name: string | null = null;

  constructor(query: Query, pointer: boolean) {
    super();
    this.query = query;
    this.typeName = pointer ? '*dns.Question' : 'dns.Question';
  }

  private spelled(): string {
    this.name ??= toFqdn(decodeName(this.query.raw, 12, false, true));
    return this.name;
  }

  field(name: string): GoValue | undefined {
    switch (name) {
      case 'Name':
        return this.spelled();
      case 'Qtype':
        return this.query.type;
      case 'Qclass':
        return this.query.class;
      default:
        return undefined;
    }
  }

  /** A pointer prints through miekg's String(); the value as fmt prints a struct. */
  text(): string {
    const { type, class: qclass } = this.query;
    if (this.typeName === 'dns.Question') return `{${this.spelled()} ${type} ${qclass}}`;
    return `;${this.spelled()}\t${className(qclass)}\t ${typeName(type)}`;
  }
}

/** The query message: its header fields and question; clusterdns does not print it whole. */
class Message extends GoStruct {
  readonly typeName = '*dns.Msg';
  private readonly query: Query;

  constructor(query: Query) {
    super();
    this.query = query;
  }

  field(name: string): GoValue | undefined {
    const flags = this.query.flags;
    switch (name) {
      case 'Id':
        return this.query.id;
      case 'Opcode':
        return this.query.opcode;
      case 'Response':
        return (flags & HeaderFlag.QR) !== 0;
      case 'Authoritative':
        return (flags & HeaderFlag.AA) !== 0;
      case 'Truncated':
        return (flags & HeaderFlag.TC) !== 0;
      case 'RecursionDesired':
        return this.query.recursionDesired;
      case 'RecursionAvailable':
        return (flags & HeaderFlag.RA) !== 0;
      case 'Zero':
        return (flags & 0x0040) !== 0;
      case 'AuthenticatedData':
        return (flags & HeaderFlag.AD) !== 0;
      case 'CheckingDisabled':
        return this.query.checkingDisabled;
      case 'Rcode':
        return flags & 0xf;
      case 'Question':
        return new GoSlice('dns.Question', [new Question(this.query, false)]);
      default:
        return undefined;
    }
  }

  text(): null {
    return null;
  }
}

/** Where a query matched: the template's zone and the regex, with its match. */
export interface Matched {
  /** The template zone the name is in, with its trailing dot. */
  readonly zone: string;
  readonly regex: string;
  readonly match: RegExpExecArray;
  /** The query's class and type, or the template's where the query asked ANY. */
  readonly class: string;
  readonly type: string;
}

const META: GoMethod = { params: ['string'], call: () => '' };

export class TemplateData extends GoStruct {
  readonly typeName = '*template.templateData';
  private readonly matched: Matched;
  private readonly query: Query;
  private readonly remote: string;
  /** Built on first use, once however often the templates read them. */
  private matches: GoSlice | null = null;
  private groups: GoMap | null = null;

  constructor(matched: Matched, query: Query, remote: string) {
    super();
    this.matched = matched;
    this.query = query;
    this.remote = remote;
  }

  field(name: string): GoValue | undefined {
    const matched = this.matched;
    switch (name) {
      case 'Zone':
        return matched.zone;
      case 'Name':
        return toFqdn(this.query.name);
      case 'Regex':
        return matched.regex;
      case 'Match':
        return (this.matches ??= new GoSlice('string', Array.from(matched.match, (text) => text ?? '')));
      case 'Group':
        return (this.groups ??= groupMap(matched.match));
      case 'Class':
        return matched.class;
      case 'Type':
        return matched.type;
      case 'Message':
        return new Message(this.query);
      case 'Question':
        return new Question(this.query, true);
      case 'Remote':
        return this.remote;
      default:
        return undefined;
    }
  }

  override method(name: string): GoMethod | undefined {
    return name === 'Meta' ? META : undefined;
  }

  override unexported(name: string): boolean {
    return name === 'md';
  }

  text(): null {
    return null;
  }
}

/** CoreDNS's .Group: every group by its number ("0" the whole match), named ones by name too. */
function groupMap(match: RegExpExecArray): GoMap {
  const entries = new Map<string, GoValue>();
  for (let i = 0; i < match.length; i++) entries.set(String(i), match[i] ?? '');
  if (match.groups !== undefined) for (const [name, text] of Object.entries(match.groups)) entries.set(name, text ?? '');
  return new GoMap('string', entries, '');
}
