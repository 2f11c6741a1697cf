import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { GaugeFamily, type ScrapeTimeMetrics } from './families.ts';

/*
 * prom-client's nodejs_* memory and version metrics, where CoreDNS exports go_*. Its event loop
 * lag and GC metrics are left out, as they need a timer or a GC observer running between scrapes,
 * and so are its active handle counts: CoreDNS's dashboards read none of them.
 */

function heapGauge(name: string, help: string): GaugeFamily {
  return new GaugeFamily({ name, help, labelNames: [] });
}

function heapSpaceGauge(measure: 'total' | 'used' | 'available'): GaugeFamily {
  return new GaugeFamily({
    name: `nodejs_heap_space_size_${measure}_bytes`,
    help: `Process heap space size ${measure} from Node.js in bytes.`,
    labelNames: ['space'],
  });
}

/** V8's name for a heap space less its `_space` suffix, as prom-client labels it: `old_space` is `old`. */
export function heapSpaceLabel(spaceName: string): string {
  return spaceName.replace(/_space$/, '');
}

export function nodejsMetrics(): ScrapeTimeMetrics {
  const heapTotal = heapGauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.');
  const heapUsed = heapGauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.');
  const external = heapGauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.');
  const spaceTotal = heapSpaceGauge('total');
  const spaceUsed = heapSpaceGauge('used');
  const spaceAvailable = heapSpaceGauge('available');
  const version = new GaugeFamily({ name: 'nodejs_version_info', help: 'Node.js version info.', labelNames: ['version', 'major', 'minor', 'patch'] });
  const [major = '', minor = '', patch = ''] = process.versions.node.split('.');
  version.cell(process.version, major, minor, patch).set(1);

  return {
    families: [heapTotal, heapUsed, external, spaceTotal, spaceUsed, spaceAvailable, version],
    collect: () => {
      // process.memoryUsage() reads the same three numbers from V8, and the RSS besides.
      const heap = getHeapStatistics();
      heapTotal.cell().set(heap.total_heap_size);
      heapUsed.cell().set(heap.used_heap_size);
      external.cell().set(heap.external_memory);
      for (const space of getHeapSpaceStatistics()) {
        const label = heapSpaceLabel(space.space_name);
        spaceTotal.cell(label).set(space.space_size);
        spaceUsed.cell(label).set(space.space_used_size);
        spaceAvailable.cell(label).set(space.space_available_size);
      }
    },
  };
}
