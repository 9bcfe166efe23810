/**
 * Packs JSON texts into payloads of bounded size: `prefix`, the texts joined by commas, `suffix`.
 *
 * Journal batches and snapshot chunks are lists of many small JSON values. Each value is
 * stringified on its own and the texts are gathered until the next would pass `fillBytes`, so no
 * string ever grows with the whole list (one `JSON.stringify` of a batch of large bulk requests
 * can pass V8's string limit), while a payload still holds many values and pays its framing and
 * checksums once. A text larger than `fillBytes` gets a payload of its own.
 */

export function* packJson(
  prefix: string,
  suffix: string,
  texts: Iterable<string>,
  fillBytes: number,
): Generator<Buffer> {
  const frameBytes = Buffer.byteLength(prefix) + Buffer.byteLength(suffix);
  let parts: string[] = [];
  let bytes = frameBytes;
  for (const text of texts) {
    const size = Buffer.byteLength(text, 'utf8');
    if (parts.length > 0 && bytes + 1 + size > fillBytes) {
      yield Buffer.from(`${prefix}${parts.join(',')}${suffix}`, 'utf8');
      parts = [];
      bytes = frameBytes;
    }
    bytes += (parts.length > 0 ? 1 : 0) + size;
    parts.push(text);
  }
  if (parts.length > 0) yield Buffer.from(`${prefix}${parts.join(',')}${suffix}`, 'utf8');
}
