import { classFromName, className, HeaderFlag, RCode, RRClass, RRType, typeFromName, typeName } from '../../dns/constants.ts';
import { toFqdn } from '../../dns/names.ts';
import { withQuestion } from '../../dns/question.ts';
import { parseRecordText, RecordTextError } from '../../dns/record-text.ts';
import { isUnknownRecord, readReplyRecords, type ReplyRecord } from '../../dns/reply-records.ts';
import { emptyReply, prepareReply } from '../../dns/reply.ts';
import type { DomainName, Reply } from '../../dns/types.ts';
import { PluginError } from '../../toolkit/errors.ts';
import { withQuery } from '../../toolkit/request.ts';
import type { Handler, HandlerFactory, Request } from '../../toolkit/types.ts';
import { matchZone } from '../../toolkit/zones.ts';
import { withEde, type CompiledTemplate, type SectionTemplate } from './compile.ts';
import { TemplateData, type Matched } from './data.ts';
import { executeTemplate, ExecError } from './gotemplate/exec.ts';
import { TemplateCounters, type QueryLabels } from './metrics.ts';

const NAME = 'template';
const SERVFAIL = emptyReply(RCode.SERVFAIL);
/**
 * How many CNAMEs deep answers are followed. CoreDNS follows without a bound, so a template
 * whose CNAME leads back to itself would never end there.
 */
export const MAX_CNAME_DEPTH = 8;

/** A class or type as miekg's ClassToString and TypeToString name it: '' for one they do not. */
function miekgName(code: number, name: (code: number) => string, back: (text: string) => number | undefined): string {
  const text = name(code);
  return back(text) === code ? text : '';
}

/** The target of a CNAME record (one written in RFC 3597's form is not followed). */
function cnameTarget(record: ReplyRecord): DomainName | null {
  return record.type === RRType.CNAME && !isUnknownRecord(record) ? record.target : null;
}

interface Rendered {
  readonly answer: ReplyRecord[];
  readonly additional: ReplyRecord[];
  readonly authority: ReplyRecord[];
}

/** Runs one template and reads its output as a record; a failure is counted and answered SERVFAIL, the error logged. */
function render(entry: SectionTemplate, data: TemplateData, labels: QueryLabels, counters: TemplateCounters): ReplyRecord {
  if (entry.fixed !== null) return entry.fixed;
  let text: string;
  try {
    text = executeTemplate(entry.tree, data);
  } catch (error) {
    if (!(error instanceof ExecError)) throw error;
    counters.templateFailed(labels, entry.section, entry.label);
    throw new PluginError(NAME, RCode.SERVFAIL, error.message, { cause: error });
  }
  try {
    return parseRecordText(text);
  } catch (error) {
    if (!(error instanceof RecordTextError)) throw error;
    counters.recordFailed(labels, entry.section, entry.label);
    throw new PluginError(NAME, RCode.SERVFAIL, error.message, { cause: error });
  }
}

function reply(template: CompiledTemplate, request: Request, records: Rendered, truncated: boolean): Reply {
  const built = prepareReply({
    rcode: template.rcode,
    flags: HeaderFlag.AA | (truncated ? HeaderFlag.TC : 0),
    qname: request.query.name,
    sections: records,
  });
  return withEde(built, template.ede);
}

/**
 * CoreDNS's template handler for a block's `template` lines (`lines`, which setup fills before the
 * chain is composed), tried in Corefile order: a query in
 * a template's zones, of its class and type, whose name one of its regexes matches is answered
 * from its templates; a name no regex matches goes on where `fallthrough` covers it (to the next
 * template, then the next plugin) and is SERVFAIL where it does not. The CNAMEs of an answer to
 * an A or AAAA query are followed through the templates and the rest of the chain, their answers
 * appended (CoreDNS asks its whole server).
 */
export function templateHandler(lines: readonly CompiledTemplate[], counters = new TemplateCounters()): HandlerFactory {
  return (next: Handler): Handler => {
    // Read when the chain is composed: every template line of the block is set up by then.
    const templates = [...lines];
    const allZones = templates.flatMap((template) => template.zones);
    const answer = (template: CompiledTemplate, matched: Matched, request: Request, depth: number): Reply | Promise<Reply> => {
      if (template.rcode === RCode.SERVFAIL) return SERVFAIL;
      if (template.fixedReply !== null) return template.fixedReply;
      const labels: QueryLabels = { server: request.server, zone: matched.zone, class: matched.class, type: matched.type };
      const data = new TemplateData(matched, request.query, request.remoteAddress);
      const records: Rendered = {
        answer: template.answer.map((entry) => render(entry, data, labels, counters)),
        additional: template.additional.map((entry) => render(entry, data, labels, counters)),
        authority: template.authority.map((entry) => render(entry, data, labels, counters)),
      };
      const { type } = request.query;
      const follows = (type === RRType.A || type === RRType.AAAA) && depth < MAX_CNAME_DEPTH && records.answer.some((record) => cnameTarget(record) !== null);
      return follows ? withTargets(template, request, records, depth) : reply(template, request, records, false);
    };

    /** The answer with what each CNAME's target resolves to after it, as CoreDNS's upstream appends it. */
    const withTargets = async (template: CompiledTemplate, request: Request, records: Rendered, depth: number): Promise<Reply> => {
      const { query } = request;
      const answer: ReplyRecord[] = [];
      let truncated = false;
      for (const record of records.answer) {
        answer.push(record);
        const name = cnameTarget(record);
        if (name === null) continue;
        try {
          const target = await serve(withQuery(request, withQuestion(query, name, query.type, query.class)), depth + 1);
          answer.push(...readReplyRecords(target, name).answer);
          truncated = (target.flags & HeaderFlag.TC) !== 0;
        } catch {
          // A lookup that fails adds nothing: CoreDNS's upstream gets a SERVFAIL without answers then.
        }
      }
      return reply(template, request, { ...records, answer }, truncated);
    };

    const serve = (request: Request, depth: number): Reply | Promise<Reply> => {
      const { query } = request;
      const name = query.name;
      if (matchZone(allZones, name) === null) return next(request);
      let fqdn: string | null = null;
      for (const template of templates) {
        const zone = matchZone(template.zones, name);
        if (zone === null) continue;
        if (template.qclass !== RRClass.ANY && query.class !== RRClass.ANY && query.class !== template.qclass) continue;
        if (template.qtype !== RRType.ANY && query.type !== RRType.ANY && query.type !== template.qtype) continue;
        fqdn ??= toFqdn(name);
        let match: RegExpExecArray | null = null;
        let source = '';
        for (const pattern of template.patterns) {
          match = pattern.regex.exec(fqdn);
          source = pattern.source;
          if (match !== null) break;
        }
        if (match === null) {
          if (template.fallthrough !== null && matchZone(template.fallthrough, name) !== null) continue;
          return SERVFAIL;
        }
        const matched: Matched = {
          zone: toFqdn(zone),
          regex: source,
          match,
          class: miekgName(query.class !== RRClass.ANY ? query.class : template.qclass, className, classFromName),
          type: miekgName(query.type !== RRType.ANY ? query.type : template.qtype, typeName, typeFromName),
        };
        counters.matched({ server: request.server, zone: matched.zone, class: matched.class, type: matched.type });
        return answer(template, matched, request, depth);
      }
      return next(request);
    };

    return (request) => serve(request, 0);
  };
}
