import type { HistogramCell } from '../../metrics/families.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import { observeResponse } from '../../toolkit/request.ts';
import type { Handler, HandlerFactory, Request } from '../../toolkit/types.ts';
import type { DnsRecorder } from './recorder.ts';

function observeSince(cell: HistogramCell, start: number): void {
  cell.observe((performance.now() - start) / 1000);
}

/**
 * Counts each query, asks to be told about its response, and times the rest of the chain: from
 * here until the reply is returned, as CoreDNS times it from its recorder until the write.
 */
export function metricsHandler(recorder: DnsRecorder): HandlerFactory {
  return (next: Handler): Handler =>
    (request: Request) => {
      const cells = recorder.cellsFor(request);
      cells.countRequest(request.query, request.transport, request.remoteAddress);
      observeResponse(request, recorder);
      const start = performance.now();
      let result;
      try {
        result = next(request);
      } catch (error) {
        observeSince(cells.duration, start);
        throw error;
      }
      if (!isPromiseLike(result)) {
        observeSince(cells.duration, start);
        return result;
      }
      return Promise.resolve(result).finally(() => observeSince(cells.duration, start));
    };
}
