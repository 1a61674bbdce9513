import type { FastifyInstance } from 'fastify';
import { parseEndpoint } from '../config/schema.js';

/**
 * Listening and closing for every fastify server the gateway runs
 * (receivers, extensions, exporters' pull endpoints, telemetry).
 */

/** Listens on a host:port endpoint (port 0 picks a free one); returns the base URL. */
export async function listenOn(app: FastifyInstance, endpoint: string, secure: boolean): Promise<string> {
  const ep = parseEndpoint(endpoint);
  if (ep === undefined) throw new Error(`invalid endpoint "${endpoint}"`);
  await app.listen({ host: ep.host, port: ep.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : ep.port;
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  return `${secure ? 'https' : 'http'}://${host}:${port}`;
}

/**
 * Marks responses sent while closing with `Connection: close`, so keep-alive
 * clients cannot hold the server open once their requests are answered.
 * Returns the function that closes the server.
 */
export function gracefulClose(app: FastifyInstance): () => Promise<void> {
  let closing = false;
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  return async () => {
    closing = true;
    // Connections busy when close began become idle later; close them as they do.
    const sweep = setInterval(() => app.server.closeIdleConnections?.(), 50);
    try {
      await app.close();
    } finally {
      clearInterval(sweep);
    }
  };
}
