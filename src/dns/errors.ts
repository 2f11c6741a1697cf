/** A message (or part of one) that is not valid DNS wire format. */
export class DnsParseError extends Error {
  /** Byte offset in the message where decoding failed. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'DnsParseError';
    this.offset = offset;
  }
}

/** Data that cannot be written as DNS wire format (a label over 63 bytes, bad address text...). */
export class DnsEncodeError extends Error {
  /** The offending value, for logs. */
  readonly value: unknown;

  constructor(message: string, value?: unknown) {
    super(message);
    this.name = 'DnsEncodeError';
    this.value = value;
  }
}
