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

/** What res_query makes of one exchange: success, or the h_errno it sets. */
function classify(result: ExchangeResult): 'success' | HostError {
  if (result.kind !== 'response') return 'TRY_AGAIN';
  const { rcode, answer } = result.message;
  if (rcode === RCode.NOERROR && answer.length > 0) return 'success';
  switch (rcode) {
    case RCode.NXDOMAIN:
      return 'HOST_NOT_FOUND';
    case RCode.SERVFAIL:
      return 'TRY_AGAIN';
    case RCode.NOERROR:
      return 'NO_DATA';
    default:
      return 'NO_RECOVERY';
  }
}

function join(name: string, domain: DomainName): DomainName {
  return domain === '' ? name : `${name}.${domain}`;
}

/**
 * Walks `input` (as typed: a trailing dot makes it absolute) through the search list exactly as
 * glibc's res_nsearch does: tried as it is first when it has at least `ndots` dots or a trailing
 * dot (and then only that, with a trailing dot); then with each search domain, going on after
 * NXDOMAIN, NODATA and SERVFAIL but stopping on any other failure and giving up at once when the
 * servers refuse; then as it is, unless already tried or the root was on the list. The first
 * NOERROR response with answer records wins. A failure reports the as-is try's error if it came
 * first, else NO_DATA if any try had no data, else TRY_AGAIN if any had SERVFAIL, else the last.
 */
export async function searchName(
  input: string,
  type: number,
  config: SearchConfig,
  exchange: Exchange,
  onAttempt: (attempt: Attempt) => void = () => {},
): Promise<SearchOutcome> {
  const attempts: Attempt[] = [];
  /** h_errno as the last try left it. */
  let lastError: HostError = 'HOST_NOT_FOUND';
  const tryName = async (name: DomainName): Promise<{ message: DecodedMessage | null; result: ExchangeResult }> => {
    const started = performance.now();
    const result = await exchange(name, type);
    const attempt = { name, result, elapsedMs: performance.now() - started };
    attempts.push(attempt);
    onAttempt(attempt);
    const outcome = classify(result);
    if (outcome === 'success') return { message: (result as { message: DecodedMessage }).message, result };
    lastError = outcome;
    return { message: null, result };
  };
  const answered = (name: DomainName, message: DecodedMessage): SearchOutcome => ({ kind: 'answer', name, message, attempts });

  const trailingDot = input.endsWith('.');
  const asIs = (trailingDot ? input.slice(0, -1) : input).toLowerCase();
  let dots = 0;
  for (const c of input) if (c === '.') dots++;

  let savedError: HostError | null = null;
  let triedAsIs = false;
  if (dots >= config.ndots || trailingDot) {
    const { message } = await tryName(asIs);
    if (message !== null) return answered(asIs, message);
    if (trailingDot) return { kind: 'failure', error: lastError, attempts };
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
    const { message, result } = await tryName(name);
    if (message !== null) return answered(name, message);
    if (result.kind === 'refused') return { kind: 'failure', error: 'TRY_AGAIN', attempts };
    const error = classify(result);
    if (error === 'NO_DATA') gotNoData = true;
    else if (error === 'TRY_AGAIN' && result.kind === 'response') gotServfail = true;
    else if (error !== 'HOST_NOT_FOUND') break;
  }

  if ((dots > 0 || !searched || !config.noTldQuery) && !(triedAsIs || rootOnList)) {
    const { message } = await tryName(asIs);
    if (message !== null) return answered(asIs, message);
  }

  let error: HostError = lastError;
  if (savedError !== null) error = savedError;
  else if (gotNoData) error = 'NO_DATA';
  else if (gotServfail) error = 'TRY_AGAIN';
  return { kind: 'failure', error, attempts };
}
