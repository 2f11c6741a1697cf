/**
 * Address text <-> bytes without node:net, so that encoding writes straight into the message
 * buffer and formatting matches what node prints (net.SocketAddress), byte for byte.
 */

/** Writes the 4 bytes of a dotted-quad IPv4 address at `offset`; false when the text is not one. */
export function writeIPv4(text: string, out: Uint8Array, offset: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      // Leading zeros are refused, as Go's and node's parsers do (they read as octal elsewhere).
      if (digits === 0 || part > 3 || (digits > 1 && text.charCodeAt(i - digits) === 0x30)) return false;
      out[offset + part] = value;
      part++;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      digits++;
      if (value > 255) return false;
    } else {
      return false;
    }
  }
  return part === 4;
}

/** Reads hex groups separated by ':' (the last may be a dotted quad); null when malformed. */
function parseGroups(text: string, allowIPv4Tail: boolean): number[] | null {
  const groups: number[] = [];
  if (text === '') return groups;
  const parts = text.split(':');
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p] as string;
    if (allowIPv4Tail && p === parts.length - 1 && part.includes('.')) {
      const quad = new Uint8Array(4);
      if (!writeIPv4(part, quad, 0)) return null;
      groups.push(((quad[0] as number) << 8) | (quad[1] as number), ((quad[2] as number) << 8) | (quad[3] as number));
      continue;
    }
    if (part.length === 0 || part.length > 4) return null;
    let value = 0;
    for (let i = 0; i < part.length; i++) {
      const digit = hexValue(part.charCodeAt(i));
      if (digit < 0) return null;
      value = (value << 4) | digit;
    }
    groups.push(value);
  }
  return groups;
}

export function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Writes the 16 bytes of an IPv6 address at `offset`; false when the text is not one (zones are refused). */
export function writeIPv6(text: string, out: Uint8Array, offset: number): boolean {
  const gap = text.indexOf('::');
  let groups: number[];
  if (gap < 0) {
    const all = parseGroups(text, true);
    if (all === null || all.length !== 8) return false;
    groups = all;
  } else {
    if (text.indexOf('::', gap + 1) >= 0) return false;
    const head = parseGroups(text.slice(0, gap), false);
    const tail = parseGroups(text.slice(gap + 2), true);
    // '::' stands for at least one zero group.
    if (head === null || tail === null || head.length + tail.length > 7) return false;
    groups = head;
    for (let i = head.length + tail.length; i < 8; i++) groups.push(0);
    for (const group of tail) groups.push(group);
  }
  for (let i = 0; i < 8; i++) {
    const group = groups[i] as number;
    out[offset + 2 * i] = group >> 8;
    out[offset + 2 * i + 1] = group & 0xff;
  }
  return true;
}

/** Whether the 16 bytes at `offset` are an IPv4-mapped IPv6 address (::ffff:a.b.c.d), which Go treats as IPv4. */
export function isIPv4Mapped(bytes: Uint8Array, offset = 0): boolean {
  if (bytes.length < offset + 16) return false;
  for (let i = offset; i < offset + 10; i++) if (bytes[i] !== 0) return false;
  return bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff;
}

export function formatIPv4(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/**
 * RFC 5952 text as node (libuv's inet_ntop) prints it: the first longest run of two or more zero
 * groups becomes '::', and IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d)
 * addresses end in a dotted quad.
 */
export function formatIPv6(bytes: Uint8Array, offset: number): string {
  const words = new Array<number>(8);
  for (let i = 0; i < 8; i++) words[i] = ((bytes[offset + 2 * i] as number) << 8) | (bytes[offset + 2 * i + 1] as number);
  let bestBase = -1;
  let bestLength = 0;
  let runBase = -1;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && words[i] === 0) {
      if (runBase < 0) runBase = i;
    } else if (runBase >= 0) {
      if (i - runBase > bestLength) {
        bestBase = runBase;
        bestLength = i - runBase;
      }
      runBase = -1;
    }
  }
  if (bestLength < 2) bestBase = -1;
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestBase) {
      text += '::';
      i += bestLength - 1;
      continue;
    }
    if (i > 0 && i !== bestBase + bestLength) text += ':';
    if (i === 6 && bestBase === 0 && (bestLength === 6 || (bestLength === 5 && words[5] === 0xffff))) {
      return text + formatIPv4(bytes, offset + 12);
    }
    text += (words[i] as number).toString(16);
  }
  return text;
}
