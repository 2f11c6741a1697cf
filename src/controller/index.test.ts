import { describe, expect, it } from 'vitest';
import { pod, service, slice, state } from '../test-support/cluster.ts';
import { recordingLogger } from '../test-support/log.ts';
import { ControllerConfigError, SERVICE_NAME_LABEL, selfContainedTransform } from './index.ts';

describe('selfContainedTransform', () => {
  it('allocates addresses, then builds slices from the allocated service', () => {
    const { logger } = recordingLogger('info');
    const transform = selfContainedTransform({ logger });
    const output = transform(
      state({
        services: [service({ name: 'web', clusterIPs: [], selector: { app: 'web' } })],
        pods: [pod({ name: 'web-1', labels: { app: 'web' }, ips: ['10.244.0.5', 'fd00::5'] })],
      }),
    );
    const [web] = output.services;
    expect(web?.clusterIPs).toHaveLength(1);
    expect(web?.clusterIPs[0]).toMatch(/^127\.10\./);
    // An IPv4 cluster IP means IPv4 slices only; before allocation the service would have had both.
    expect(output.endpointSlices.map((s) => [s.addressType, s.labels[SERVICE_NAME_LABEL]])).toEqual([['IPv4', 'web']]);
  });

  it('keeps the given slices and computes none with endpointSlices: false', () => {
    const { logger } = recordingLogger('info');
    const given = slice({ name: 'web-given', serviceName: 'web' });
    const output = selfContainedTransform({ logger, endpointSlices: false })(
      state({
        services: [service({ name: 'web', clusterIPs: [], selector: { app: 'web' } })],
        pods: [pod({ name: 'web-1', labels: { app: 'web' }, ips: ['10.244.0.5'] })],
        endpointSlices: [given],
      }),
    );
    expect(output.services[0]?.clusterIPs[0]).toMatch(/^127\.10\./);
    expect(output.endpointSlices).toEqual([given]);
  });

  it('logs every warning with the object it concerns', async () => {
    const { logger, lines } = recordingLogger('info');
    const transform = selfContainedTransform({ logger, serviceCIDRs: ['10.0.0.0/30'] });
    transform(
      state({
        services: ['a', 'b', 'c'].map((name) => service({ name, clusterIPs: [] })),
        endpointSlices: [slice({ name: 'a-old', serviceName: 'a' })],
      }),
    );
    logger.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => [line.level, line.code, line.name])).toEqual([
      [40, 'cluster-ip-exhausted', 'c'],
      [40, 'slice-replaced', 'a-old'],
    ]);
    expect(lines[1]?.msg).toContain('default/a-old');
  });

  it('checks its options when created, not on the first state', () => {
    const { logger } = recordingLogger('info');
    expect(() => selfContainedTransform({ logger, serviceCIDRs: ['127.10.0.0/40'] })).toThrow(ControllerConfigError);
    expect(() => selfContainedTransform({ logger, nodePortRange: [40000, 30000] })).toThrow(ControllerConfigError);
    expect(() => selfContainedTransform({ logger, maxEndpointsPerSlice: 0 })).toThrow(ControllerConfigError);
  });
});
