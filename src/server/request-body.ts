/**
 * Reading request bodies for both surfaces: media type, content encoding, size, UTF-8 and JSON
 * depth are checked here, before any library sees the body, and each problem is refused with its
 * own reason instead of surfacing as a library's 500.
 *
 * The body is read into memory (it is bounded by `BODY_BYTES_MAX`, before and after
 * decompression) and decoded strictly: invalid UTF-8 is refused rather than replaced with U+FFFD,
 * so two different byte strings never become one username. Depth is counted on the text before
 * parsing. The trade-off is one extra pass over each body, linear and small next to the parse.
 * REST gets the parsed value in `req.body`; tRPC gets the checked text, which it parses itself
 * with superjson, and a refusal is handed to it to answer in its own error shape.
 */
import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { RequestHandler } from 'express';
import { refuse, type Refusal } from '../domain/reasons.js';
import { jsonDepth } from './json-depth.js';
import { sendError } from './error-response.js';

export interface BodyLimits {
  /** Largest body, in bytes, both as sent and once decompressed. */
  bodyBytesMax: number;
  /** Deepest nesting of arrays and objects. */
  jsonDepthMax: number;
}

/** A body read and checked: its text, or `undefined` when the request carries none. */
export type BodyText = { ok: true; text: string | undefined };

/** The content codings a body may arrive in (RFC 9110 §8.4.1), by their lowercase names. */
const decoders: ReadonlyMap<string, () => Transform> = new Map([
  ['gzip', createGunzip],
  ['x-gzip', createGunzip],
  ['deflate', createInflate],
  ['br', createBrotliDecompress],
]);

/** Whether the request carries a body at all (a length above zero, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * `application/json`, in any letter case, with any parameters; a charset, when named, must be
 * UTF-8 (the only one JSON allows, RFC 8259 §8.1).
 */
export function contentTypeRefusal(header: string | undefined): Refusal | undefined {
  if (header === undefined || header.trim() === '') {
    return refuse(
      'unsupported_media_type',
      'A request with a body must send "Content-Type: application/json".',
    );
  }
  const [mediaType = '', ...parameters] = header.split(';');
  if (mediaType.trim().toLowerCase() !== 'application/json') {
    return refuse(
      'unsupported_media_type',
      `Unsupported content type "${shorten(mediaType.trim())}"; send "application/json".`,
    );
  }
  for (const parameter of parameters) {
    const separator = parameter.indexOf('=');
    if (separator < 0) continue;
    const name = parameter.slice(0, separator).trim().toLowerCase();
    const value = parameter
      .slice(separator + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (name === 'charset' && value !== 'utf-8' && value !== 'utf8') {
      return refuse(
        'unsupported_media_type',
        `Unsupported charset "${shorten(value)}"; JSON bodies are UTF-8.`,
      );
    }
  }
  return undefined;
}

function shorten(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

/** Reads the body (decompressing it if it says so), decodes it as strict UTF-8, checks depth. */
export async function readBodyText(
  req: IncomingMessage,
  limits: BodyLimits,
): Promise<BodyText | Refusal | 'aborted'> {
  if (!hasBody(req)) return { ok: true, text: undefined };
  const typeRefusal = contentTypeRefusal(req.headers['content-type']);
  if (typeRefusal !== undefined) return discardThen(req, typeRefusal);
  const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  const identity = encoding === 'identity' || encoding === '';
  if (!identity && !decoders.has(encoding)) {
    return discardThen(
      req,
      refuse(
        'unsupported_content_encoding',
        `Unsupported Content-Encoding "${shorten(encoding)}"; send identity, gzip, deflate or br.`,
      ),
    );
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.bodyBytesMax) {
    return discardThen(req, tooLarge(limits));
  }
  const bytes = await collect(req, identity ? undefined : encoding, limits);
  if (bytes === 'aborted' || !Buffer.isBuffer(bytes)) return bytes;

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refuse('invalid_utf8', 'The request body is not valid UTF-8.');
  }
  if (text.length === 0) return { ok: true, text: undefined };
  if (jsonDepth(text, limits.jsonDepthMax) > limits.jsonDepthMax) {
    return refuse(
      'json_too_deep',
      `The JSON body nests arrays and objects deeper than ${limits.jsonDepthMax} levels.`,
    );
  }
  return { ok: true, text };
}

function tooLarge(limits: BodyLimits): Refusal {
  return refuse('payload_too_large', `The request body is over ${limits.bodyBytesMax} bytes.`);
}

/**
 * Reads the rest of the request and throws it away before the refusal is answered, so that the
 * client, still sending, reads the answer instead of a reset connection.
 */
function discardThen(req: IncomingMessage, refusal: Refusal): Promise<Refusal | 'aborted'> {
  return new Promise((resolve) => {
    if (req.complete) {
      resolve(refusal);
      return;
    }
    req.once('end', () => resolve(refusal));
    req.once('close', () => resolve(req.complete ? refusal : 'aborted'));
    req.resume();
  });
}

/**
 * The body's bytes, decompressed if it names a content coding, at most `bodyBytesMax` of them on
 * either side of the decompressor (a small compressed body may inflate to gigabytes).
 */
function collect(
  req: IncomingMessage,
  encoding: string | undefined,
  limits: BodyLimits,
): Promise<Buffer | Refusal | 'aborted'> {
  return new Promise((resolve) => {
    const decoder = encoding === undefined ? undefined : decoders.get(encoding)?.();
    const source = decoder ?? req;
    const chunks: Buffer[] = [];
    let size = 0;
    let sent = 0;
    let settled = false;
    const settle = (result: Buffer | Refusal | 'aborted'): void => {
      if (settled) return;
      settled = true;
      source.off('data', onData);
      if (decoder !== undefined) {
        req.unpipe(decoder);
        decoder.destroy();
      }
      if (result === 'aborted' || Buffer.isBuffer(result)) resolve(result);
      else void discardThen(req, result).then(resolve);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limits.bodyBytesMax) settle(tooLarge(limits));
      else chunks.push(chunk);
    };
    source.on('data', onData);
    source.once('end', () => settle(Buffer.concat(chunks, size)));
    req.once('close', () => {
      if (!req.complete) settle('aborted');
    });
    if (decoder !== undefined) {
      req.on('data', (chunk: Buffer) => {
        sent += chunk.length;
        if (sent > limits.bodyBytesMax) settle(tooLarge(limits));
      });
      // zlib's own message ("incorrect header check") describes its internals, not the request.
      decoder.once('error', () =>
        settle(
          refuse('invalid_content_encoding', `The request body is not valid ${encoding} data.`),
        ),
      );
      req.pipe(decoder);
    }
  });
}

/**
 * A REST body's value: a JSON object, `{}` when there is no body. Every REST operation that reads
 * a body declares an object, and the adapter would otherwise take `null`, `5`, `"x"` or `[]` as
 * "no fields" and run the operation anyway.
 */
export function parseRestBody(
  text: string | undefined,
): { ok: true; value: Record<string, unknown> } | Refusal {
  if (text === undefined) return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse('malformed_json', 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return refuse(
      'invalid_input',
      `The request body must be a JSON object ({…}), not ${kind}; leave it out when no field is needed.`,
    );
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * The REST body parser: the parsed JSON in `req.body` (`{}` for a request without a body, so that
 * operations whose input lives in the path need neither body nor content type), or the refusal.
 */
export function restBodyParser(limits: BodyLimits): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST') {
      next();
      return;
    }
    void readBodyText(req, limits).then((body) => {
      if (body === 'aborted') return;
      if (!body.ok) {
        sendError(res, body.reason, body.message);
        return;
      }
      const parsed = parseRestBody(body.text);
      if (!parsed.ok) {
        sendError(res, parsed.reason, parsed.message);
        return;
      }
      req.body = parsed.value;
      // The REST adapter matches the content type by exact text; it has been checked above.
      req.headers['content-type'] = 'application/json';
      next();
    });
  };
}

/** Where the tRPC reader leaves a refusal for the context to raise in tRPC's error shape. */
export const bodyRefusalKey = 'bodyRefusal';

/**
 * The tRPC body reader: the checked text in `req.body` (tRPC parses it itself), or, on a refusal,
 * an empty body and the refusal in `res.locals`, for `createContext` to throw.
 */
export function trpcBodyReader(limits: BodyLimits): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST' || !hasBody(req)) {
      next();
      return;
    }
    void readBodyText(req, limits).then((body) => {
      if (body === 'aborted') return;
      if (body.ok) {
        req.body = body.text ?? '';
      } else {
        req.body = '';
        res.locals[bodyRefusalKey] = body;
      }
      req.headers['content-type'] = 'application/json';
      next();
    });
  };
}
