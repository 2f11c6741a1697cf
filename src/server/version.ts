import packageJson from '../../package.json' with { type: 'json' };
import { toFqdn } from '../dns/names.ts';
import type { ServedAddress } from './index.ts';

/** Go's GOARCH names for Node's process.arch, as CoreDNS's banner shows them. */
const GO_ARCH: Readonly<Record<string, string>> = { x64: 'amd64', ia32: '386' };

/** `clusterdns-0.1.0` then `linux/amd64, node v24.21.0`, as CoreDNS's `CoreDNS-1.14.7` and release line. */
export function versionLines(): string[] {
  const arch = GO_ARCH[process.arch] ?? process.arch;
  return [`clusterdns-${packageJson.version}`, `${process.platform}/${arch}, node ${process.version}`];
}

/**
 * The zones each address serves, sorted per address, as CoreDNS's banner: `.:53`,
 * `example.org.:1053 on 127.0.0.1`, and the transport for the others: `tls://.:853`.
 */
export function servedLines(served: readonly ServedAddress[]): string[] {
  return served.flatMap(({ scheme, host, port, zones }) =>
    zones
      .map((zone) => toFqdn(zone))
      .sort()
      .map((zone) => `${scheme === 'dns' ? '' : `${scheme}://`}${zone}:${port}${host === '' ? '' : ` on ${host}`}`),
  );
}
