import type { RRType } from './constants.ts';

/**
 * Domain names inside the server are absolute, lower-case and written without the trailing dot;
 * the root is ''. Wire encoding adds the root label; presentation adds the dot.
 */
export type DomainName = string;

interface RecordBase {
  /** Owner name (see DomainName). */
  readonly name: DomainName;
  readonly ttl: number;
  /** Defaults to IN. */
  readonly class?: number;
}

export interface ARecord extends RecordBase { readonly type: typeof RRType.A; readonly address: string }
export interface AAAARecord extends RecordBase { readonly type: typeof RRType.AAAA; readonly address: string }
export interface CNAMERecord extends RecordBase { readonly type: typeof RRType.CNAME; readonly target: DomainName }
export interface PTRRecord extends RecordBase { readonly type: typeof RRType.PTR; readonly target: DomainName }
export interface NSRecord extends RecordBase { readonly type: typeof RRType.NS; readonly target: DomainName }
export interface SRVRecord extends RecordBase {
  readonly type: typeof RRType.SRV;
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  /** Never compressed on the wire (RFC 2782). */
  readonly target: DomainName;
}
export interface TXTRecord extends RecordBase {
  readonly type: typeof RRType.TXT;
  /** Character-strings, each at most 255 bytes once UTF-8 encoded. */
  readonly text: readonly string[];
}
export interface SOARecord extends RecordBase {
  readonly type: typeof RRType.SOA;
  readonly mname: DomainName;
  readonly rname: DomainName;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
}
export interface HINFORecord extends RecordBase {
  readonly type: typeof RRType.HINFO;
  readonly cpu: string;
  readonly os: string;
}
export interface MXRecord extends RecordBase {
  readonly type: typeof RRType.MX;
  readonly preference: number;
  readonly exchange: DomainName;
}

export type ResourceRecord =
  | ARecord
  | AAAARecord
  | CNAMERecord
  | PTRRecord
  | NSRecord
  | SRVRecord
  | TXTRecord
  | SOARecord
  | HINFORecord
  | MXRecord;

export interface Sections {
  readonly answer: readonly ResourceRecord[];
  readonly authority: readonly ResourceRecord[];
  readonly additional: readonly ResourceRecord[];
}

/** The EDNS(0) OPT pseudo-record of a query (RFC 6891); options are not kept. */
export interface Edns {
  /** The requestor's UDP payload size, raised to 512 when it advertises less. */
  readonly udpSize: number;
  readonly version: number;
  /** The DO bit (RFC 3225). */
  readonly dnssecOk: boolean;
}

/** A parsed query. The question is echoed from `raw` byte for byte, so the reply keeps the asker's case. */
export interface Query {
  readonly id: number;
  readonly opcode: number;
  /** The 16-bit flags word as received. */
  readonly flags: number;
  readonly recursionDesired: boolean;
  readonly checkingDisabled: boolean;
  /** The question name, lower-cased (see DomainName). */
  readonly name: DomainName;
  readonly type: number;
  readonly class: number;
  readonly edns: Edns | null;
  /** The whole query message. */
  readonly raw: Buffer;
  /** Offset in `raw` just past the question (12 + name + 4). */
  readonly questionEnd: number;
}

/**
 * A reply ready for the wire except for its header and question: the answer, authority and
 * additional sections already encoded. It is immutable and meant to be built once (when the
 * cluster changes, or when an upstream answers) and sent many times: sending costs a header,
 * a copy of the query's question, this body and an OPT record.
 *
 * Compression pointers in `body` are absolute message offsets computed for a question at
 * offset 12 whose name is `qname`; any query whose name equals it case-insensitively has the
 * same wire length, so the pointers hold for it. A body built with `qname: null` points
 * nowhere into the question and suits every query.
 */
export interface Reply {
  readonly rcode: number;
  /** Header bits to set besides QR, opcode, RD and CD (which follow the query): AA, RA, AD. */
  readonly flags: number;
  /** The RD bit to send instead of the query's (the header plugin's `rd` rules); absent to echo it. */
  readonly recursionDesired?: boolean;
  /**
   * EDNS options, encoded (code, length, data each), that the response's OPT record carries after
   * any Extended DNS Error (nsid's NSID); sent only where the response has an OPT record.
   */
  readonly ednsOptions?: Uint8Array;
  readonly qname: DomainName | null;
  readonly body: Buffer;
  readonly answerCount: number;
  readonly authorityCount: number;
  readonly additionalCount: number;
  /** Offset in `body` of each record's TTL field, so a cache can count TTLs down in place. */
  readonly ttlOffsets: Uint32Array;
  /** The smallest TTL in the body (answer and authority), or null when there are no records. */
  readonly minTtl: number | null;
  /**
   * Messages that follow this one on the same TCP connection, each with the question echoed (a
   * zone transfer's, RFC 5936); absent for the one-message replies everything else gives.
   */
  readonly followedBy?: readonly Reply[];
  /**
   * An Extended DNS Error info code (RFC 8914: 15 Blocked, 17 Filtered) to send in the OPT record,
   * which the response then carries even to a query without one, as CoreDNS's acl writes it.
   */
  readonly ede?: number;
  /** The EXTRA-TEXT of that Extended DNS Error (UTF-8), when it has one (template's `ederror`). */
  readonly edeText?: Uint8Array;
  /** Send nothing at all (acl's `drop`): the client hears nothing, as from CoreDNS. */
  readonly silent?: boolean;
}
