import { queryEdnsOptions, withEdnsOptions } from '../../dns/edns-options.ts';
import type { EdnsOption } from '../../dns/message.ts';
import { toFqdn } from '../../dns/names.ts';
import { spelledQuestionName } from '../../dns/query.ts';
import { withQuestion } from '../../dns/question.ts';
import type { Query } from '../../dns/types.ts';
import type { Request } from '../../toolkit/types.ts';
import { fromFqdn } from './response.ts';

/** The question as the rules see it; the name in CoreDNS's form (lower case, trailing dot). */
export interface Question {
  name: string;
  type: number;
  class: number;
}

/** The UDP size of an OPT record a rule adds to a query that had none, as CoreDNS's SetEdns0(4096, false). */
const ADDED_OPT_UDP_SIZE = 4096;

/**
 * One query as the rules have rewritten it so far: its question and its EDNS options, which the
 * rules change in turn (CoreDNS's rules change the request message itself), and the client it
 * came from. The EDNS options are read from the query only when a rule asks for them.
 */
export class RewriteState {
  readonly request: Request;
  readonly question: Question;
  #renamed = false;
  #options: EdnsOption[] | null = null;
  #optionsChanged = false;

  constructor(request: Request) {
    this.request = request;
    const { query } = request;
    this.question = { name: toFqdn(query.name), type: query.type, class: query.class };
  }

  rename(name: string): void {
    this.question.name = name;
    this.#renamed = true;
  }

  /** The question name as CoreDNS's QName gives it to `{qname}`: as the client spelled it until a rule renamed it. */
  spelledName(): string {
    return this.#renamed ? this.question.name : toFqdn(spelledQuestionName(this.request.query));
  }

  /**
   * The query's EDNS options, for a rule to change in place (and then call `optionsChanged`). A
   * query without an OPT record is given an empty one, as CoreDNS's rules do before they look:
   * the rest of the chain then sees an OPT record even if no option is added.
   */
  ednsOptions(): EdnsOption[] {
    if (this.#options === null) {
      const options = queryEdnsOptions(this.request.query);
      this.#optionsChanged ||= options === null;
      this.#options = options ?? [];
    }
    return this.#options;
  }

  optionsChanged(): void {
    this.#optionsChanged = true;
  }

  /** The query the rest of the chain is to be asked: the request's own when no rule changed it. */
  rewrittenQuery(): Query {
    const { query } = this.request;
    const { name, type, class: qclass } = this.question;
    const plainName = fromFqdn(name);
    let rewritten = query;
    if (plainName !== query.name || type !== query.type || qclass !== query.class) {
      rewritten = withQuestion(query, plainName, type, qclass);
    }
    if (this.#optionsChanged) rewritten = withEdnsOptions(rewritten, this.#options as EdnsOption[], ADDED_OPT_UDP_SIZE);
    return rewritten;
  }
}
