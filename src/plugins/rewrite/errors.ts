/** A rule that CoreDNS would refuse, worded as CoreDNS words it; parse.ts adds the file and line. */
export class RuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleError';
  }
}

/** A rule rewrote a name into something that is not a domain name: the query fails (SERVFAIL). */
export class InvalidRewriteError extends Error {
  readonly rewritten: string;
  constructor(rewritten: string) {
    super(`invalid name after rewrite: ${rewritten}`);
    this.name = 'InvalidRewriteError';
    this.rewritten = rewritten;
  }
}
