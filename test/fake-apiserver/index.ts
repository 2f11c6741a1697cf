export { FakeApiServer, type FakeApiServerOptions, type Faults, type RequestRecord } from './server.ts';
export type { KubeObject } from './objects.ts';
export type { KubeconfigOptions } from './kubeconfig.ts';
export { collectionPath } from './routes.ts';
export { endpointSliceObject, ipFor, namespaceObject, podObject, serviceObject } from './fixtures.ts';
