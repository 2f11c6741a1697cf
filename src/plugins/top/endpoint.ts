import type { ServerResponse } from 'node:http';
import type { Logger } from '../../log.ts';
import type { RouteHandler } from '../../metrics/endpoints.ts';
import type { ThreadLink } from '../../toolkit/threads.ts';
import type { TopBoard } from './board.ts';
import { topDocument } from './report.ts';
import type { ClientsSummary } from './tracker.ts';

/** What the main thread asks each worker's `top` for when /top is read. */
export const WORKER_SUMMARY = 'summary';
/** What a worker's `top` tells the main thread at each metrics scrape. */
export const WORKER_REPORT = 'report';

/** A worker's counts, named by its thread id (worker_threads' threadId: never reused). */
export interface WorkerSummary {
  readonly thread: number;
  readonly summary: ClientsSummary | null;
}

/** Takes in workers' summaries; the main thread keeps the latest of each. */
export function recordWorkers(board: TopBoard, link: ThreadLink, reports: readonly WorkerSummary[]): void {
  for (const { thread, summary } of reports) if (summary !== null) board.recordWorker(thread, summary, link.threads - 1);
}

function fail(response: ServerResponse): void {
  response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end('An error has occurred while serving /top.\n');
}

/** GET /top: every thread's counts merged, clients named from the cluster now, as JSON. */
export function serveTop(board: TopBoard, link: ThreadLink, k: number, logger: Logger): RouteHandler {
  return async (_request, response) => {
    let body: string;
    try {
      recordWorkers(board, link, (await link.gather(WORKER_SUMMARY, null)) as WorkerSummary[]);
      const { summary, threads } = board.processSummary();
      body = `${JSON.stringify(topDocument(summary, threads, k, (client) => board.identify(client)), null, 2)}\n`;
    } catch (error) {
      logger.error({ err: error }, 'serving /top failed');
      fail(response);
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(body);
  };
}
