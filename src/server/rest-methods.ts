/**
 * HTTP methods on the REST surface: a path that exists answers a method it does not support with
 * 405 and an `Allow` header (the REST adapter alone would say 404), OPTIONS lists the methods, and
 * HEAD is served as GET without the body.
 *
 * The table of paths and methods is read from the OpenAPI document, which is generated from the
 * router, so it cannot drift from the operations. Paths are matched the way the REST adapter
 * matches them (trailing slash ignored, letter case ignored, one segment per parameter).
 */
import type { RequestHandler, Response } from 'express';
import { sendError } from './error-response.js';

interface RestPath {
  pattern: RegExp;
  /** Methods the document lists for the path, upper case. */
  methods: string[];
}

const operationMethods = new Set(['get', 'put', 'post', 'delete', 'patch']);

function normalisePath(path: string): string {
  return `/${path.replace(/^\/|\/$/g, '')}`;
}

function patternOf(template: string): RegExp {
  const escaped = normalisePath(template)
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[^/]+')}$`, 'i');
}

/** The paths of an OpenAPI document, each with the methods it documents. */
export function restPathsOf(document: { paths?: Record<string, unknown> }): RestPath[] {
  return Object.entries(document.paths ?? {}).map(([template, item]) => ({
    pattern: patternOf(template),
    methods: Object.keys(item as object)
      .filter((method) => operationMethods.has(method))
      .map((method) => method.toUpperCase()),
  }));
}

/** The methods to list in `Allow`: the documented ones, HEAD beside GET, and OPTIONS. */
function allowOf(methods: string[]): string {
  const allowed = [...methods];
  if (methods.includes('GET')) allowed.push('HEAD');
  allowed.push('OPTIONS');
  return allowed.join(', ');
}

/**
 * The REST adapter ends its answers with `res.end(text)`, and Node drops that text for HEAD
 * without counting it: the length GET would send is set here, so HEAD's headers match GET's.
 */
function keepContentLength(res: Response): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((...args: unknown[]) => {
    const [chunk] = args;
    if (!res.headersSent && !res.hasHeader('Content-Length')) {
      if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) {
        res.setHeader('Content-Length', Buffer.byteLength(chunk));
      }
    }
    return end(...args);
  }) as Response['end'];
}

/** Mounted where the REST paths are rooted (`/api`), before the body parser and the adapter. */
export function restMethodGate(paths: RestPath[]): RequestHandler {
  return (req, res, next) => {
    // Node keeps a HEAD request's answer bodyless whatever the method is later called, so HEAD is
    // served by the GET operation; an unknown path then answers 404 as GET would.
    if (req.method === 'HEAD') {
      req.method = 'GET';
      keepContentLength(res);
    }
    const path = normalisePath(req.path);
    const match = paths.find((candidate) => candidate.pattern.test(path));
    if (match === undefined || match.methods.includes(req.method)) {
      next();
      return;
    }
    res.setHeader('Allow', allowOf(match.methods));
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    sendError(
      res,
      'method_not_supported',
      `${req.method} is not supported on ${req.baseUrl}${path}; it answers ${match.methods.join(', ')}.`,
    );
  };
}
