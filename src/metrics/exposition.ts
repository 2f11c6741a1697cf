/*
 * The Prometheus text exposition format 0.0.4, written line for line as prom-client wrote it but
 * for NaN, which it spelled `Nan`:
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

import type { Labels, MetricSnapshot, Sample } from './families.ts';

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** HELP text escapes backslash and line feed only. */
export function escapeHelp(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

/** A label value also escapes the double quote that delimits it. */
export function escapeLabelValue(value: string): string {
  return escapeHelp(value).replaceAll('"', '\\"');
}

/**
 * Non-finite values as Prometheus spells them; finite ones as JavaScript prints them, which is the
 * shortest text that reads back as the same number, as Go's client writes them.
 */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function formatSample(sample: Sample): string {
  return `${sample.name}${formatLabels(sample.labels)} ${formatSampleValue(sample.value)}`;
}

function formatFamily(snapshot: MetricSnapshot): string {
  const header = [`# HELP ${snapshot.name} ${escapeHelp(snapshot.help)}`, `# TYPE ${snapshot.name} ${snapshot.type}`];
  return [...header, ...snapshot.values.map(formatSample)].join('\n');
}

/** The whole exposition: families in the given order, a blank line between them. */
export function formatExposition(snapshots: Iterable<MetricSnapshot>): string {
  return `${Array.from(snapshots, formatFamily).join('\n\n')}\n`;
}
