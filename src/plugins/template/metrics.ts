import type { CounterCell } from '../../metrics/families.ts';
import { counter } from '../../metrics/registry.ts';

// CoreDNS's plugin/template metrics, with its names, labels and help texts. `view` is always ''
// (clusterdns has no view plugin); `template` is the failing template as Go prints its tree.

const QUERY_LABELS = ['server', 'zone', 'view', 'class', 'type'];
const TEMPLATE_LABELS = [...QUERY_LABELS, 'section', 'template'];

const matches = counter({ name: 'coredns_template_matches_total', help: 'Counter of template regex matches.', labelNames: QUERY_LABELS });
const templateFailures = counter({
  name: 'coredns_template_template_failures_total',
  help: 'Counter of go template failures.',
  labelNames: TEMPLATE_LABELS,
});
const rrFailures = counter({ name: 'coredns_template_rr_failures_total', help: 'Counter of mis-templated RRs.', labelNames: TEMPLATE_LABELS });

/** The labels of one matched query. */
export interface QueryLabels {
  readonly server: string;
  readonly zone: string;
  readonly class: string;
  readonly type: string;
}

/** The cells of one handler, each label combination looked up once. */
export class TemplateCounters {
  private readonly matchCells = new Map<string, CounterCell>();

  matched(labels: QueryLabels): void {
    const key = `${labels.server}\u0000${labels.zone}\u0000${labels.class}\u0000${labels.type}`;
    let cell = this.matchCells.get(key);
    if (cell === undefined) this.matchCells.set(key, (cell = matches.cell(labels.server, labels.zone, '', labels.class, labels.type)));
    cell.inc();
  }

  /** A template that failed to run: rare, so looked up each time. */
  templateFailed(labels: QueryLabels, section: string, template: string): void {
    templateFailures.cell(labels.server, labels.zone, '', labels.class, labels.type, section, template).inc();
  }

  /** A template whose output is no record. */
  recordFailed(labels: QueryLabels, section: string, template: string): void {
    rrFailures.cell(labels.server, labels.zone, '', labels.class, labels.type, section, template).inc();
  }
}
