import { HeaderFlag, RRType } from '../../dns/constants.ts';
import { parseRecordText, RecordTextError } from '../../dns/record-text.ts';
import type { ReplyRecord } from '../../dns/reply-records.ts';
import { prepareReply } from '../../dns/reply.ts';
import type { DomainName, Reply } from '../../dns/types.ts';
import { nodeText } from './gotemplate/nodes.ts';
import type { Tree } from './gotemplate/parse.ts';
import type { MatchPattern, Section, TemplateOptions } from './parse.ts';

/** One answer, additional or authority template, ready to run. */
export interface SectionTemplate {
  readonly section: Section;
  readonly tree: Tree;
  /** Go's Tree.Root.String(): the `template` label of the failure metrics. */
  readonly label: string;
  /** The record itself, when the template is plain text that reads as one: nothing to run per query. */
  readonly fixed: ReplyRecord | null;
}

/** A `template` line with everything per-query work needs worked out once. */
export interface CompiledTemplate {
  readonly zones: readonly DomainName[];
  readonly qclass: number;
  readonly qtype: number;
  readonly patterns: readonly MatchPattern[];
  readonly answer: readonly SectionTemplate[];
  readonly additional: readonly SectionTemplate[];
  readonly authority: readonly SectionTemplate[];
  readonly rcode: number;
  readonly ede: { readonly code: number; readonly text: Uint8Array | undefined } | null;
  readonly fallthrough: readonly DomainName[] | null;
  /** The whole reply, when nothing in it depends on the query (no template runs, no CNAME to follow). */
  readonly fixedReply: Reply | null;
}

function sectionTemplate(section: Section, tree: Tree): SectionTemplate {
  const plain = tree.root.nodes.every((node) => node.type === 'text');
  let fixed: ReplyRecord | null = null;
  if (plain) {
    try {
      fixed = parseRecordText(nodeText(tree.root));
    } catch (error) {
      // Left to fail per query, counted as CoreDNS counts it.
      if (!(error instanceof RecordTextError)) throw error;
    }
  }
  return { section, tree, label: nodeText(tree.root), fixed };
}

/** The reply with the template's Extended DNS Error, if it has one. */
export function withEde(reply: Reply, ede: CompiledTemplate['ede']): Reply {
  return ede === null ? reply : { ...reply, ede: ede.code, edeText: ede.text };
}

function fixedReply(template: Omit<CompiledTemplate, 'fixedReply'>): Reply | null {
  const sections = [template.answer, template.additional, template.authority];
  if (!sections.every((list) => list.every((entry) => entry.fixed !== null))) return null;
  const records = (list: readonly SectionTemplate[]): ReplyRecord[] => list.map((entry) => entry.fixed!);
  const answer = records(template.answer);
  if (answer.some((record) => record.type === RRType.CNAME)) return null;
  const reply = prepareReply({
    rcode: template.rcode,
    flags: HeaderFlag.AA,
    qname: null,
    sections: { answer, additional: records(template.additional), authority: records(template.authority) },
  });
  return withEde(reply, template.ede);
}

/** A parsed `template` line for a server block whose zones are `blockZones`. */
export function compileTemplate(options: TemplateOptions, blockZones: readonly DomainName[]): CompiledTemplate {
  const compiled = {
    zones: options.zones ?? blockZones,
    qclass: options.qclass,
    qtype: options.qtype,
    patterns: options.patterns,
    answer: options.answer.map((tree) => sectionTemplate('answer', tree)),
    additional: options.additional.map((tree) => sectionTemplate('additional', tree)),
    authority: options.authority.map((tree) => sectionTemplate('authority', tree)),
    rcode: options.rcode,
    // Kept replies own their bytes: a TextEncoder array is not a slice of Buffer's shared pool.
    ede: options.ede === null ? null : { code: options.ede.code, text: options.ede.reason === '' ? undefined : new TextEncoder().encode(options.ede.reason) },
    fallthrough: options.fallthrough,
  };
  return { ...compiled, fixedReply: fixedReply(compiled) };
}
