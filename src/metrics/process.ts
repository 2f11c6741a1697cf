import { readdirSync, readFileSync } from 'node:fs';
import { CounterFamily, GaugeFamily, type CounterCell, type GaugeCell, type ScrapeTimeMetrics } from './families.ts';

/*
 * The process_* metrics under the names and help texts Prometheus's Go client (what CoreDNS
 * exports) and prom-client share, plus prom-client's user/system CPU split and process_heap_bytes.
 * Read when scraped: /proc is in-kernel state, and a read of it never blocks.
 */

const MICROSECONDS_PER_SECOND = 1e6;
const KIB = 1024;

/** A `VmRSS:     1234 kB` field of /proc/self/status, in bytes. */
export function statusBytes(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match === null ? undefined : Number(match[1]) * KIB;
}

/** The soft limit of the `Max open files` row of /proc/self/limits. */
export function maxOpenFiles(limits: string): number | undefined {
  const match = /^Max open files\s+(\d+)/m.exec(limits);
  return match === null ? undefined : Number(match[1]);
}

function unlabelledCounter(name: string, help: string): [CounterFamily, CounterCell] {
  const family = new CounterFamily({ name, help, labelNames: [] });
  return [family, family.cell()];
}

function unlabelledGauge(name: string, help: string): [GaugeFamily, GaugeCell] {
  const family = new GaugeFamily({ name, help, labelNames: [] });
  return [family, family.cell()];
}

/** CPU time, memory and start time on any platform; Linux adds virtual memory, data segment and descriptors. */
export function processMetrics(): ScrapeTimeMetrics {
  const [userFamily, user] = unlabelledCounter('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.');
  const [systemFamily, system] = unlabelledCounter('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.');
  const [cpuFamily, cpu] = unlabelledCounter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.');
  const [startFamily, start] = unlabelledGauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.');
  const [residentFamily, resident] = unlabelledGauge('process_resident_memory_bytes', 'Resident memory size in bytes.');
  start.set(performance.timeOrigin / 1000);

  const readEverywhere = (): void => {
    // The kernel keeps these totals: the counters mirror them rather than add up increments.
    const usage = process.cpuUsage();
    user.value = usage.user / MICROSECONDS_PER_SECOND;
    system.value = usage.system / MICROSECONDS_PER_SECOND;
    cpu.value = (usage.user + usage.system) / MICROSECONDS_PER_SECOND;
    resident.set(process.memoryUsage.rss());
  };
  const everywhere = [userFamily, systemFamily, cpuFamily, startFamily, residentFamily];
  if (process.platform !== 'linux') return { families: everywhere, collect: readEverywhere };

  const [virtualFamily, virtual] = unlabelledGauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.');
  const [heapFamily, heap] = unlabelledGauge('process_heap_bytes', 'Process heap size in bytes.');
  const [openFamily, open] = unlabelledGauge('process_open_fds', 'Number of open file descriptors.');
  const [maxFamily, max] = unlabelledGauge('process_max_fds', 'Maximum number of open file descriptors.');
  return {
    families: [...everywhere, virtualFamily, heapFamily, openFamily, maxFamily],
    collect: () => {
      readEverywhere();
      const status = readFileSync('/proc/self/status', 'latin1');
      virtual.set(statusBytes(status, 'VmSize') ?? NaN);
      // Private writable memory (malloc's arenas, V8's heap pages): what prom-client calls the heap.
      heap.set(statusBytes(status, 'VmData') ?? NaN);
      // Less the descriptor readdirSync itself held open while it listed the directory.
      open.set(readdirSync('/proc/self/fd').length - 1);
      max.set(maxOpenFiles(readFileSync('/proc/self/limits', 'latin1')) ?? NaN);
    },
  };
}
