/**
 * Serves the calls made within one turn of the event loop with one flush. Ingest processes
 * the records of an SQS batch concurrently; their marker reads, group updates, level reads
 * and count updates land in the same turn, so a batch pays one request per group or incident
 * instead of one per record.
 */
export function coalesce<Req, Res>(flush: (requests: Req[]) => Promise<Res[]>): (request: Req) => Promise<Res> {
  type Waiting = Array<{ request: Req; resolve: (r: Res) => void; reject: (e: unknown) => void }>;
  let queue: Waiting | undefined;
  return (request) =>
    new Promise<Res>((resolve, reject) => {
      if (!queue) {
        const q: Waiting = [];
        queue = q;
        // setImmediate, not a microtask: the records' previous awaits resolve over several microtask turns.
        setImmediate(() => {
          if (queue === q) queue = undefined;
          flush(q.map((e) => e.request)).then(
            (results) => {
              q.forEach((e, i) => {
                e.resolve(results[i] as Res);
              });
            },
            (err: unknown) => {
              for (const e of q) e.reject(err);
            },
          );
        });
      }
      queue.push({ request, resolve, reject });
    });
}

/** One coalescer per key (a group, an incident): flushes of different keys run independently. */
export function coalesceByKey<Req, Res>(flush: (key: string, requests: Req[]) => Promise<Res[]>): (key: string, request: Req) => Promise<Res> {
  const byKey = new Map<string, (r: Req) => Promise<Res>>();
  return (key, request) => {
    let c = byKey.get(key);
    if (!c) {
      c = coalesce((rs: Req[]) => flush(key, rs));
      byKey.set(key, c);
    }
    return c(request);
  };
}
