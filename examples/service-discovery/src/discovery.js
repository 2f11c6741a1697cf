/**
 * An application's service discovery, as it would run in a pod: every name goes through the
 * node:dns Resolver it is given. In production that is `new Resolver()` (the pod's resolv.conf);
 * in tests it is the one clusterdns's fixture hands out.
 */
import http from 'node:http';

/**
 * The pods behind a headless service, through its SRV records
 * (`_<port>._<protocol>.<service>.<namespace>.svc.<domain>`): one record per ready pod, whose
 * target (`<hostname>.<service>...` for a StatefulSet's pods) has the pod's address.
 *
 * @param {import('node:dns').promises.Resolver} resolver
 * @param {{ service: string, namespace: string, port: string, protocol?: string, domain?: string }} where
 * @returns {Promise<{ name: string, address: string, port: number }[]>} sorted by name
 */
export async function findPeers(resolver, { service, namespace, port, protocol = 'tcp', domain = 'cluster.local' }) {
  let records;
  try {
    records = await resolver.resolveSrv(`_${port}._${protocol}.${service}.${namespace}.svc.${domain}`);
  } catch (error) {
    // No ready pod: the name has no records (NODATA) or, with no endpoints at all, does not exist.
    if (error.code === 'ENODATA' || error.code === 'ENOTFOUND') return [];
    throw error;
  }
  const peers = await Promise.all(
    records.map(async (record) => {
      const [address] = await resolver.resolve4(record.name);
      return { name: record.name, address, port: record.port };
    }),
  );
  return peers.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * A `lookup` for node:net and node:http that asks `resolver` instead of the system's resolver
 * (getaddrinfo), so a connection to a service's name goes where cluster DNS says.
 *
 * @param {import('node:dns').promises.Resolver} resolver
 */
export function lookupThrough(resolver) {
  return (hostname, options, callback) => {
    resolver.resolve4(hostname).then(
      (addresses) =>
        options.all
          ? callback(null, addresses.map((address) => ({ address, family: 4 })))
          : callback(null, addresses[0], 4),
      (error) => callback(error),
    );
  };
}

/**
 * GET http://<name>:<port><path> with `name` resolved through `resolver`; the response's body.
 *
 * @param {import('node:dns').promises.Resolver} resolver
 * @param {{ name: string, port: number, path?: string }} where
 * @returns {Promise<string>}
 */
export function getText(resolver, { name, port, path = '/' }) {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: name, port, path, lookup: lookupThrough(resolver), agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(body));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}
