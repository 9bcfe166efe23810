/**
 * A streaming CSV reader (RFC 4180: commas, double-quoted fields with `""` for a quote, CRLF or
 * LF line ends), yielding each record with the line it starts on, so errors can name it.
 *
 * It is written here rather than taken from a package because it is small, and because the
 * import needs exact line numbers and a bounded field size more than it needs dialects. Memory
 * stays bounded by the longest record, whatever the file's size.
 */
import type { Readable } from 'node:stream';
import { CliError, exitCodes } from './cli-error.js';

export interface CsvRecord {
  /** 1-based line on which the record starts. */
  line: number;
  fields: string[];
}

/** Longest field accepted: far past any username, short enough to stop a runaway quote. */
const fieldCharsMax = 4096;

export async function* csvRecords(input: Readable, name: string): AsyncGenerator<CsvRecord> {
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  /** After a closing quote: only a comma, a line end or another quote may follow. */
  let afterQuote = false;
  let line = 1;
  let recordLine = 1;
  let pendingCr = false;
  const fail = (message: string): never => {
    throw new CliError(`${name}:${line}: ${message}`, exitCodes.badInput);
  };
  const endField = (): void => {
    fields.push(field);
    field = '';
    afterQuote = false;
  };
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    for (let i = 0; i < chunk.length; i += 1) {
      const c = chunk[i] as string;
      if (pendingCr) {
        pendingCr = false;
        if (c === '\n') continue;
      }
      if (quoted) {
        if (c === '"') {
          if (chunk[i + 1] === '"') {
            field += '"';
            i += 1;
          } else {
            // A closing quote, unless the next chunk starts with a second one (see below).
            quoted = false;
            afterQuote = true;
          }
        } else {
          if (c === '\n') line += 1;
          field += c;
        }
      } else if (c === '"' && afterQuote) {
        // A doubled quote split across two chunks (or `"a""b"` read in pieces).
        field += '"';
        quoted = true;
        afterQuote = false;
      } else if (c === '"') {
        if (field !== '') fail('a quote may only open a field');
        quoted = true;
      } else if (c === ',') {
        endField();
      } else if (c === '\n' || c === '\r') {
        endField();
        if (!(fields.length === 1 && fields[0] === '')) yield { line: recordLine, fields };
        fields = [];
        line += 1;
        recordLine = line;
        pendingCr = c === '\r';
      } else {
        if (afterQuote) fail('text after a closing quote (write a quote inside a field as "")');
        field += c;
      }
      if (field.length > fieldCharsMax) fail(`a field longer than ${fieldCharsMax} characters`);
    }
  }
  if (quoted) fail('a quoted field is not closed before the end of the file');
  if (field !== '' || fields.length > 0 || afterQuote) {
    endField();
    yield { line: recordLine, fields };
  }
}
