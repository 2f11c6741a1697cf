import { HEADER_LENGTH } from './constants.ts';
import { MAX_NAME_LENGTH, MAX_POINTER_TARGET, copyName, decoded, writeName } from './name-codec.ts';
import type { DomainName } from './types.ts';

/** A name of 255 bytes has at most 127 labels besides the root. */
const MAX_LABELS = 128;

/**
 * Writes the names of one message, each with its longest suffix already in the message replaced
 * by a compression pointer (RFC 1035 section 4.1.4). Suffixes match byte for byte, as miekg/dns
 * (and so CoreDNS) compresses: a client's spelling of the question (`ClUsTeR.lOcAl`) shows only in
 * names that spell it so, never in the lower-case labels of a target. A name is first loaded (from
 * text, or from a message, pointers followed) and then written. One compressor serves one message
 * at a time and keeps its buffers and map from message to message.
 */
export class NameCompressor {
  /** The loaded name, uncompressed, root label included: suffix keys are read from it. */
  private readonly wire = Buffer.allocUnsafe(MAX_NAME_LENGTH);
  private wireLength = 0;
  private readonly labelStarts = new Uint8Array(MAX_LABELS);
  private labelCount = 0;
  private readonly keys: string[] = [];
  /** Wire form of a suffix -> the message offset it sits at. */
  private readonly suffixes = new Map<string, number>();
  private compressing = false;

  /**
   * Starts a message: forgets the names of the last one. With `question` the names are compressed
   * against it (at offset 12) and each other; with null they are written whole, so the body suits
   * any question.
   */
  begin(question: DomainName | null): void {
    this.suffixes.clear();
    this.compressing = question !== null;
    if (question === null) return;
    this.loadText(question);
    this.remember(HEADER_LENGTH);
  }

  /** As `begin`, with the question read from `message` as its sender wrote it; null: no compression. */
  beginFrom(message: Uint8Array, questionAt: number | null): void {
    this.suffixes.clear();
    this.compressing = questionAt !== null;
    if (questionAt === null) return;
    this.loadFrom(message, questionAt);
    this.remember(questionAt);
  }

  /** Loads `name` in presentation form and returns its wire length; throws DnsEncodeError. */
  loadText(name: DomainName): number {
    this.wireLength = writeName(name, this.wire, 0);
    this.findLabels();
    return this.wireLength;
  }

  /** Loads the name at `offset` of `message` and returns where it ends there; throws DnsParseError. */
  loadFrom(message: Uint8Array, offset: number): number {
    this.wireLength = copyName(message, offset, this.wire);
    this.findLabels();
    return decoded.end;
  }

  /**
   * Writes the loaded name into `out` at `pos`, which is offset `messageOffset` of the message,
   * and returns the position past it. With `compress` false the name is written whole (RFC 2782's
   * SRV targets) though later names may still point into it.
   */
  write(out: Uint8Array, pos: number, messageOffset: number, compress: boolean): number {
    if (!this.compressing) {
      this.wire.copy(out, pos, 0, this.wireLength);
      return pos + this.wireLength;
    }
    const { labelStarts, keys, suffixes } = this;
    const labels = this.labelCount;
    let reused = labels;
    let target = -1;
    for (let i = 0; i < labels; i++) {
      const key = this.suffixKey(i);
      keys[i] = key;
      const offset = compress ? suffixes.get(key) : undefined;
      if (offset !== undefined) {
        reused = i;
        target = offset;
        break;
      }
    }
    const literalEnd = reused < labels ? (labelStarts[reused] as number) : this.wireLength;
    this.wire.copy(out, pos, 0, literalEnd);
    for (let i = 0; i < reused; i++) {
      const at = messageOffset + (labelStarts[i] as number);
      if (at > MAX_POINTER_TARGET) break;
      const key = keys[i] as string;
      if (!suffixes.has(key)) suffixes.set(key, at);
    }
    let end = pos + literalEnd;
    if (target >= 0) {
      out[end++] = 0xc0 | (target >> 8);
      out[end++] = target & 0xff;
    }
    return end;
  }

  /** Records the loaded name as standing at `messageOffset` without writing it. */
  private remember(messageOffset: number): void {
    for (let i = 0; i < this.labelCount; i++) {
      const key = this.suffixKey(i);
      if (!this.suffixes.has(key)) this.suffixes.set(key, messageOffset + (this.labelStarts[i] as number));
    }
  }

  private findLabels(): void {
    const { wire, labelStarts } = this;
    let count = 0;
    for (let pos = 0; pos < this.wireLength - 1; pos += (wire[pos] as number) + 1) labelStarts[count++] = pos;
    this.labelCount = count;
  }

  /** The loaded name from label `label` on, as a map key. */
  private suffixKey(label: number): string {
    return this.wire.toString('latin1', this.labelStarts[label] as number, this.wireLength);
  }
}
