import { Agent, request } from 'undici';

export interface SendResult {
  /** Requests accepted (2xx). */
  readonly requests: number;
  /** Answers other than 2xx, each retried after 50 ms. */
  readonly refusals: number;
}

/**
 * Sends pre-built bodies, one lane per entry of `lanes`, each lane in order
 * (its series stay in time order); every request must succeed. With `total`,
 * the lanes stop together once that many requests have been started, so that
 * every lane is busy until the end (lanes given equal counts finish at
 * different times, and the last ones leave the receiver short of work);
 * each lane then needs enough bodies for its share and some to spare.
 * With `dispatcher`, its connections are used and left open (senders that
 * keep their connections from one round to the next).
 */
export async function sendAll(url: string, lanes: readonly (readonly Buffer[])[], headers: Record<string, string>, o: { total?: number; dispatcher?: Agent } = {}): Promise<SendResult> {
  const dispatcher = o.dispatcher ?? new Agent({ connections: lanes.length, keepAliveTimeout: 30_000 });
  const total = o.total ?? lanes.reduce((a, l) => a + l.length, 0);
  let started = 0;
  let refusals = 0;
  const worker = async (bodies: readonly Buffer[]): Promise<void> => {
    for (const body of bodies) {
      if (started >= total) return;
      started++;
      for (let attempt = 0; ; attempt++) {
        const res = await request(url, { method: 'POST', body, headers, dispatcher });
        await res.body.dump();
        if (res.statusCode < 300) break;
        refusals++;
        if (attempt > 50) throw new Error(`${url} answered ${res.statusCode}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  await Promise.all(lanes.map(worker));
  if (o.dispatcher === undefined) await dispatcher.close();
  if (started < total) throw new Error(`lanes ran out of bodies: ${started} of ${total} requests sent`);
  return { requests: started, refusals };
}
