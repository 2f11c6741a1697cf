/** Addresses from a dual-stack socket come as `::ffff:1.2.3.4`; CoreDNS shows them as IPv4. */
export function clientAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.', 7) ? address.slice(7) : address;
}
