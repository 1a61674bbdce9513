import { Agent, request } from 'undici';

/**
 * Sends pre-built bodies, one lane per entry of `lanes`, each lane in order
 * (its series stay in time order); every request must succeed.
 */
export async function sendAll(url: string, lanes: readonly (readonly Buffer[])[], headers: Record<string, string>): Promise<void> {
  const dispatcher = new Agent({ connections: lanes.length, keepAliveTimeout: 30_000 });
  const worker = async (bodies: readonly Buffer[]): Promise<void> => {
    for (const body of bodies) {
      for (let attempt = 0; ; attempt++) {
        const res = await request(url, { method: 'POST', body, headers, dispatcher });
        await res.body.dump();
        if (res.statusCode < 300) break;
        if (attempt > 50) throw new Error(`${url} answered ${res.statusCode}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  await Promise.all(lanes.map(worker));
  await dispatcher.close();
}
