import { RCode } from '../dns/constants.ts';
import type { DecodedMessage } from '../dns/message.ts';
import type { DomainName } from '../dns/types.ts';

/** How one query went: a response, or why there was none. */
export type ExchangeResult =
  | { readonly kind: 'response'; readonly message: DecodedMessage }
  /** No server answered in time. */
  | { readonly kind: 'timeout' }
  /** Every server refused the connection (ICMP port unreachable, TCP RST): glibc's ECONNREFUSED. */
  | { readonly kind: 'refused' };

/** Sends one query and waits for its answer (with retries and TCP fallback as the transport sees fit). */
export type Exchange = (name: DomainName, type: number) => Promise<ExchangeResult>;

/** glibc's h_errno values, as the outcome of a search that found nothing. */
export type HostError = 'HOST_NOT_FOUND' | 'NO_DATA' | 'TRY_AGAIN' | 'NO_RECOVERY';

export interface Attempt {
  readonly name: DomainName;
  readonly result: ExchangeResult;
  readonly elapsedMs: number;
}

export type SearchOutcome =
  | { readonly kind: 'answer'; readonly name: DomainName; readonly message: DecodedMessage; readonly attempts: readonly Attempt[] }
  | { readonly kind: 'failure'; readonly error: HostError; readonly attempts: readonly Attempt[] };

export interface SearchConfig {
  readonly search: readonly DomainName[];
  readonly ndots: number;
  readonly noTldQuery: boolean;
}

/**
 * What one try came to, as res_nsearch weighs it: `answered` (NOERROR with answer records), the
 * rcodes it tells apart, no answer in time, or the servers refusing the connection.
 */
export type TryVerdict = 'answered' | 'NXDOMAIN' | 'NO_DATA' | 'SERVFAIL' | 'NO_RECOVERY' | 'NO_ANSWER' | 'REFUSED';

/** How a walk ends: the name that answered, or the h_errno it leaves. */
export type WalkEnd = { readonly kind: 'answer'; readonly name: DomainName } | { readonly kind: 'failure'; readonly error: HostError };

/** What res_query makes of one exchange. */
export function verdictOf(result: ExchangeResult): TryVerdict {
  if (result.kind === 'timeout') return 'NO_ANSWER';
  if (result.kind === 'refused') return 'REFUSED';
  const { rcode, answer } = result.message;
  if (rcode === RCode.NOERROR) return answer.length > 0 ? 'answered' : 'NO_DATA';
  if (rcode === RCode.NXDOMAIN) return 'NXDOMAIN';
  if (rcode === RCode.SERVFAIL) return 'SERVFAIL';
  return 'NO_RECOVERY';
}

/** The h_errno a failed try sets. */
function hostError(verdict: Exclude<TryVerdict, 'answered'>): HostError {
  switch (verdict) {
    case 'NXDOMAIN':
      return 'HOST_NOT_FOUND';
    case 'NO_DATA':
      return 'NO_DATA';
    case 'NO_RECOVERY':
      return 'NO_RECOVERY';
    default:
      return 'TRY_AGAIN';
  }
}

function join(name: string, domain: DomainName): DomainName {
  return domain === '' ? name : `${name}.${domain}`;
}

/**
 * Walks `input` (as typed: a trailing dot makes it absolute) through the search list exactly as
 * glibc's res_nsearch does, yielding each name to try and taking how that try went: tried as it
 * is first when it has at least `ndots` dots or a trailing dot (and then only that, with a
 * trailing dot); then with each search domain, going on after NXDOMAIN, NODATA and SERVFAIL but
 * stopping on any other failure and giving up at once when the servers refuse; then as it is,
 * unless already tried or the root was on the list. The first try answered wins. A failure
 * reports the as-is try's error if it came first, else NO_DATA if any try had no data, else
 * TRY_AGAIN if any had SERVFAIL, else the last.
 *
 * A generator, so the one walk serves both the resolver that sends queries (searchName) and the
 * list of names a pod would try when nothing answers (podSearchNames).
 */
export function* searchWalk(input: string, config: SearchConfig): Generator<DomainName, WalkEnd, TryVerdict> {
  /** h_errno as the last try left it. */
  let lastError: HostError = 'HOST_NOT_FOUND';
  const trailingDot = input.endsWith('.');
  const asIs = (trailingDot ? input.slice(0, -1) : input).toLowerCase();
  let dots = 0;
  for (const c of input) if (c === '.') dots++;

  let savedError: HostError | null = null;
  let triedAsIs = false;
  if (dots >= config.ndots || trailingDot) {
    const verdict = yield asIs;
    if (verdict === 'answered') return { kind: 'answer', name: asIs };
    lastError = hostError(verdict);
    if (trailingDot) return { kind: 'failure', error: lastError };
    savedError = lastError;
    triedAsIs = true;
  }

  let searched = false;
  let rootOnList = false;
  let gotNoData = false;
  let gotServfail = false;
  for (const domain of config.search) {
    searched = true;
    if (domain === '') rootOnList = true;
    const name = join(asIs, domain);
    const verdict = yield name;
    if (verdict === 'answered') return { kind: 'answer', name };
    lastError = hostError(verdict);
    if (verdict === 'REFUSED') return { kind: 'failure', error: 'TRY_AGAIN' };
    if (verdict === 'NO_DATA') gotNoData = true;
    else if (verdict === 'SERVFAIL') gotServfail = true;
    else if (verdict !== 'NXDOMAIN') break;
  }

  if ((dots > 0 || !searched || !config.noTldQuery) && !(triedAsIs || rootOnList)) {
    const verdict = yield asIs;
    if (verdict === 'answered') return { kind: 'answer', name: asIs };
    lastError = hostError(verdict);
  }

  let error: HostError = lastError;
  if (savedError !== null) error = savedError;
  else if (gotNoData) error = 'NO_DATA';
  else if (gotServfail) error = 'TRY_AGAIN';
  return { kind: 'failure', error };
}

/**
 * Resolves `input` as glibc's res_nsearch does (searchWalk), sending every try through `exchange`.
 * The first NOERROR response with answer records wins.
 */
export async function searchName(
  input: string,
  type: number,
  config: SearchConfig,
  exchange: Exchange,
  onAttempt: (attempt: Attempt) => void = () => {},
): Promise<SearchOutcome> {
  const attempts: Attempt[] = [];
  const walk = searchWalk(input, config);
  let step = walk.next();
  let answered: DecodedMessage | null = null;
  while (!step.done) {
    const name = step.value;
    const started = performance.now();
    const result = await exchange(name, type);
    const attempt = { name, result, elapsedMs: performance.now() - started };
    attempts.push(attempt);
    onAttempt(attempt);
    const verdict = verdictOf(result);
    if (verdict === 'answered' && result.kind === 'response') answered = result.message;
    step = walk.next(verdict);
  }
  const end = step.value;
  return end.kind === 'answer' ? { kind: 'answer', name: end.name, message: answered!, attempts } : { ...end, attempts };
}
