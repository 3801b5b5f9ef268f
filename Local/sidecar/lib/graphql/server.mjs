// The local AppSync GraphQL endpoint: POST /graphql (graphql-http over the graphql reference
// implementation), the explorer at /, CORS for browser apps on other local ports.
import { createServer } from 'node:http';
import { parse, validate } from 'graphql';
import { createHandler } from 'graphql-http';
import { authenticate } from './auth.mjs';
import { formatAppSyncError } from './errors.mjs';
import { explorerAsset, explorerPage } from './explorer.mjs';
import { bodyTooLarge, checkDocumentLimits, checkQueryText, graphqlLimits, readBoundedBody } from './limits.mjs';
import { loadSchema } from './schema.mjs';
import { serveWebApp } from '../webapp.mjs';

const corsHeaders = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'content-type, x-api-key, authorization, x-amz-date, x-amz-security-token, x-amz-user-agent',
  'access-control-max-age': '86400',
};

function sendJson(res, status, body) {
  res.writeHead(status, { ...corsHeaders, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/**
 * graphql-http refuses a wrong content type (415, no body) and a mutation over GET (405) without AppSync's
 * errorType: every refusal leaves with a typed error, like the rest (BadRequestException).
 */
function withErrorTypes(answer, init) {
  if (init.status < 400) return answer;
  let body = null;
  try {
    body = answer ? JSON.parse(answer) : null;
  } catch {
    body = null;
  }
  const errors = Array.isArray(body?.errors) && body.errors.length > 0
    ? body.errors
    : [{ message: `${init.statusText ?? `HTTP ${init.status}`}: send POST /graphql with content-type application/json.` }];
  return JSON.stringify({ errors: errors.map((error) => ({ errorType: 'BadRequestException', ...error })) });
}

export function createGraphqlServer(options) {
  const schema = loadSchema(options.schemaPath, options);
  const page = explorerPage(options);
  const limits = graphqlLimits;
  const graphql = createHandler({
    schema,
    context: (req) => ({ headers: req.raw.appSyncHeaders, auth: req.raw.appSyncAuth }),
    formatError: formatAppSyncError,
    // The limits run before the engine: the text before parsing (nesting, tokens), the document before the
    // standard rules (some of which cost the square of the number of fields).
    parse: (query) => {
      checkQueryText(query, limits);
      return parse(query, { maxTokens: limits.maxTokens });
    },
    validate: (schemaToCheck, document, rules) => {
      const limitErrors = checkDocumentLimits(document, limits);
      return limitErrors.length > 0 ? limitErrors : validate(schemaToCheck, document, rules);
    },
  });

  return createServer(async (req, res) => {
    try {
      const path = new URL(req.url, 'http://local').pathname;
      if (req.method === 'OPTIONS') {
        res.writeHead(204, corsHeaders).end();
        return;
      }
      if (path === '/graphql') {
        const auth = authenticate(req.headers, req.socket.remoteAddress ?? '127.0.0.1', options);
        if (auth.error) {
          sendJson(res, 401, auth.error);
          return;
        }
        const body = await readBoundedBody(req, limits.maxBodyBytes);
        if (body.tooLarge) {
          sendJson(res, 413, bodyTooLarge(limits.maxBodyBytes));
          return;
        }
        req.appSyncAuth = auth;
        req.appSyncHeaders = { ...req.headers };
        // AppSync answers application/json with HTTP 200 even when the result carries errors.
        const headers = { ...req.headers, accept: 'application/json' };
        const [answer, init] = await graphql({ url: req.url, method: req.method, headers, body: body.text, raw: req, context: { res } });
        res.writeHead(init.status, init.statusText, { ...corsHeaders, ...init.headers, 'content-type': 'application/json; charset=utf-8' }).end(withErrorTypes(answer, init));
        return;
      }
      if (req.method === 'GET' && (path === '/' || path === '/explorer' || path === '/explorer/')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
        return;
      }
      if (req.method === 'GET' && path === '/favicon.ico') {
        res.writeHead(204, { 'cache-control': 'max-age=86400' }).end();
        return;
      }
      if (req.method === 'GET' && (await serveWebApp(req, res, path, options))) return;
      if (req.method === 'GET' && path.startsWith('/explorer/')) {
        const asset = await explorerAsset(path.slice('/explorer/'.length));
        if (asset) {
          res.writeHead(200, { 'content-type': asset.contentType, 'cache-control': 'max-age=3600' }).end(asset.body);
          return;
        }
      }
      sendJson(res, 404, { errors: [{ errorType: 'NotFoundException', message: `No route for ${req.method} ${path}. GraphQL is served at POST /graphql, the explorer at /.` }] });
    } catch (error) {
      process.stderr.write(`graphql: internal error: ${error.stack ?? error}\n`);
      if (!res.headersSent) sendJson(res, 500, { errors: [{ errorType: 'InternalFailure', message: 'Internal error in the local GraphQL endpoint.' }] });
      else res.destroy();
    }
  });
}
