import { writeIPv4, writeIPv6 } from '../../dns/ip.ts';
import type { DomainName } from '../../dns/types.ts';

/** True when `name` is `zone` or below it (the root zone '' holds every name). */
export function inZone(name: DomainName, zone: DomainName): boolean {
  if (zone === '') return true;
  if (name.length === zone.length) return name === zone;
  return name.length > zone.length && name.charCodeAt(name.length - zone.length - 1) === 0x2e && name.endsWith(zone);
}

/** The longest of `zones` that holds `name`, or null: CoreDNS's plugin.Zones.Matches. */
export function matchZone(zones: readonly DomainName[], name: DomainName): DomainName | null {
  let best: DomainName | null = null;
  for (const zone of zones) {
    if (inZone(name, zone) && (best === null || zone.length > best.length)) best = zone;
  }
  return best;
}

/**
 * CoreDNS's dnsutil.IsReverse: a name strictly below in-addr.arpa or ip6.arpa. The bare
 * `in-addr.arpa` is not, which is why it can be a plugin's primary zone.
 */
export function isReverseName(name: DomainName): boolean {
  return name.endsWith('.in-addr.arpa') || name.endsWith('.ip6.arpa');
}

/** `name` prefixed with `label`, for the root zone too. */
export function join(label: string, zone: DomainName): DomainName {
  return zone === '' ? label : `${label}.${zone}`;
}

/**
 * A zone as a Corefile writes it (`cluster.local.`, `dns://example.org:53`, `10.0.0.0/8`) as
 * the zones it stands for: a CIDR becomes the reverse zones covering it, split on label
 * boundaries as CoreDNS splits them. Null when it is not a zone.
 */
export function normalizeZoneArg(text: string): DomainName[] | null {
  let host = text.replace(/^[a-z+-]+:\/\//i, '');
  const colon = host.lastIndexOf(':');
  if (colon === host.length - 1) return null;
  if (colon >= 0 && /^\d+$/.test(host.slice(colon + 1))) host = host.slice(0, colon);
  if (host.length === 0 || host.length > 255) return null;
  const slash = host.indexOf('/');
  if (slash >= 0) return cidrZones(host.slice(0, slash), host.slice(slash + 1));
  if (host === '.') return [''];
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name.split('.').some((label) => label.length === 0 || label.length > 63)) return null;
  return [name];
}

function cidrZones(address: string, maskText: string): DomainName[] | null {
  if (!/^\d{1,3}$/.test(maskText)) return null;
  const mask = Number(maskText);
  const v4 = new Uint8Array(4);
  if (writeIPv4(address, v4, 0)) return mask > 32 ? null : reverseZones(v4, mask, 8);
  if (address.startsWith(':') || (address.startsWith('0') && address.includes(':'))) return null;
  const v6 = new Uint8Array(16);
  if (writeIPv6(address, v6, 0)) return mask > 128 ? null : reverseZones(v6, mask, 4);
  return null;
}

/** The reverse zones of a network, with the mask rounded up to a whole label (8 bits v4, 4 bits v6). */
function reverseZones(bytes: Uint8Array, mask: number, labelBits: number): DomainName[] {
  const roundedMask = Math.ceil(mask / labelBits) * labelBits;
  const labelCount = roundedMask / labelBits;
  const labels: number[] = [];
  for (let i = 0; i < labelCount; i++) {
    const bitOffset = i * labelBits;
    const byte = bytes[bitOffset >> 3]!;
    labels.push(labelBits === 8 ? byte : (byte >> (4 - (bitOffset & 7))) & 0xf);
  }
  // Clear the host bits of the given mask, then enumerate every subnet of the rounded mask.
  const freeBits = roundedMask - mask;
  const last = labels.length - 1;
  if (last >= 0) labels[last] = labels[last]! & ~((1 << freeBits) - 1) & ((1 << labelBits) - 1);
  const suffix = labelBits === 8 ? 'in-addr.arpa' : 'ip6.arpa';
  const zones: DomainName[] = [];
  for (let n = 0; n < 1 << freeBits; n++) {
    const values = labels.slice();
    if (last >= 0) values[last] = values[last]! + n;
    const text = values.reverse().map((value) => value.toString(labelBits === 8 ? 10 : 16));
    zones.push([...text, suffix].join('.'));
  }
  return zones;
}
