import type { FastifyInstance } from 'fastify';
import { renderStatusHtml } from './status-html.js';
import type { StatusModel } from './status-model.js';

/**
 * The status page's routes on the telemetry server: `GET /status` (HTML,
 * or JSON with `?format=json`) and `/`, which redirects to it. Register
 * before the server listens. The page has no script and loads nothing, so
 * its Content-Security-Policy forbids both.
 */
export const STATUS_PATH = '/status';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function registerStatusPage(app: FastifyInstance, model: StatusModel): void {
  app.get('/', async (_req, reply) => reply.redirect(STATUS_PATH, 302));
  app.get<{ Querystring: { format?: string } }>(STATUS_PATH, async (req, reply) => {
    const snapshot = await model.snapshot();
    reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
    if (req.query.format === 'json') return reply.type('application/json; charset=utf-8').send(JSON.stringify(snapshot));
    if (req.query.format !== undefined && req.query.format !== 'html') {
      return reply.code(400).type('text/plain; charset=utf-8').send('format must be "json" or "html"\n');
    }
    return reply.header('content-security-policy', CSP).type('text/html; charset=utf-8').send(renderStatusHtml(snapshot));
  });
}
