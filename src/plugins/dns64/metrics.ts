import { counter } from '../../metrics/registry.ts';

/** CoreDNS's dns64 counter, by the listener that took the query. */
export const requestsTranslated = counter({
  name: 'coredns_dns64_requests_translated_total',
  help: 'Counter of DNS requests translated by dns64.',
  labelNames: ['server'],
});
