/** Reads the "Statistics" block dnsperf prints at the end of a run. */

export interface DnsperfStats {
  readonly sent: number;
  readonly completed: number;
  readonly lost: number;
  /** Response counts by rcode mnemonic (NOERROR, NXDOMAIN, SERVFAIL...). */
  readonly rcodes: Readonly<Record<string, number>>;
  readonly runSeconds: number;
  readonly qps: number;
  readonly avgLatencyMs: number;
  readonly minLatencyMs: number;
  readonly maxLatencyMs: number;
  readonly stddevLatencyMs: number | null;
}

export class DnsperfOutputError extends Error {
  readonly field: string;
  readonly output: string;
  constructor(field: string, output: string) {
    super(`dnsperf output has no "${field}" line (last lines: ${output.trim().split('\n').slice(-5).join(' | ')})`);
    this.name = 'DnsperfOutputError';
    this.field = field;
    this.output = output;
  }
}

function numberAfter(output: string, label: string): number | null {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^\\s*${escaped}\\s+([0-9.]+)`, 'm').exec(output);
  return match ? Number(match[1]) : null;
}

function requiredNumber(output: string, label: string): number {
  const value = numberAfter(output, label);
  if (value === null) throw new DnsperfOutputError(label, output);
  return value;
}

function parseRcodes(output: string): Record<string, number> {
  const line = /^\s*Response codes:\s*(.*)$/m.exec(output)?.[1] ?? '';
  const rcodes: Record<string, number> = {};
  for (const match of line.matchAll(/([A-Z][A-Z0-9]*)\s+(\d+)\s+\(/g)) rcodes[match[1]!] = Number(match[2]);
  return rcodes;
}

export function parseDnsperfOutput(output: string): DnsperfStats {
  const latency = /^\s*Average Latency \(s\):\s*([0-9.]+)\s*\(min\s*([0-9.]+),\s*max\s*([0-9.]+)\)/m.exec(output);
  if (!latency) throw new DnsperfOutputError('Average Latency (s):', output);
  const stddev = numberAfter(output, 'Latency StdDev (s):');
  return {
    sent: requiredNumber(output, 'Queries sent:'),
    completed: requiredNumber(output, 'Queries completed:'),
    lost: requiredNumber(output, 'Queries lost:'),
    rcodes: parseRcodes(output),
    runSeconds: requiredNumber(output, 'Run time (s):'),
    qps: requiredNumber(output, 'Queries per second:'),
    avgLatencyMs: Number(latency[1]) * 1000,
    minLatencyMs: Number(latency[2]) * 1000,
    maxLatencyMs: Number(latency[3]) * 1000,
    stddevLatencyMs: stddev === null ? null : stddev * 1000,
  };
}

/** Share of completed queries answered with `rcode`, in percent. */
export function rcodePercent(stats: DnsperfStats, rcode: string): number {
  return stats.completed > 0 ? (100 * (stats.rcodes[rcode] ?? 0)) / stats.completed : 0;
}
