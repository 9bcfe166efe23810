/**
 * The CSV reader against a naive model: any table of fields, written with the export's quoting
 * (`csvField`) and cut into arbitrary chunks, reads back as the same records starting on the
 * right lines; and malformed text is refused with the line it is on.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/cli-error.js';
import { csvRecords } from '../../src/cli/csv-records.js';
import { csvField } from '../../src/cli/raffle-commands.js';

async function read(chunks: string[]) {
  const records = [];
  for await (const record of csvRecords(Readable.from(chunks), 'x.csv')) records.push(record);
  return records;
}

/** Splits a text at the given cut points. */
function cut(text: string, points: number[]): string[] {
  const sorted = [...new Set(points.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const point of sorted) {
    pieces.push(text.slice(from, point));
    from = point;
  }
  pieces.push(text.slice(from));
  return pieces.filter((piece) => piece !== '');
}

const fieldText = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '\r\n', 'é') });
const seed = 20261129;

describe('csvRecords', () => {
  it("reads back what csvField wrote, whatever the chunks, with each record's first line", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fieldText, { minLength: 1, maxLength: 4 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.boolean(),
        async (table, points, crlf) => {
          // A record of one empty field is a blank line, which the reader skips: the model too.
          const rows = table.filter((row) => !(row.length === 1 && row[0] === ''));
          const end = crlf ? '\r\n' : '\n';
          const text = rows.map((row) => row.map(csvField).join(',')).join(end) + end;
          const expectedLines: number[] = [];
          let line = 1;
          for (const row of rows) {
            expectedLines.push(line);
            line += 1 + row.join(',').split('\n').length - 1;
          }
          const records = await read(cut(text, points));
          expect(records.map((r) => r.fields)).toEqual(rows);
          expect(records.map((r) => r.line)).toEqual(expectedLines);
        },
      ),
      { seed, numRuns: 300 },
    );
  });

  it('refuses malformed quoting with the line it is on', async () => {
    const failure = async (text: string) => {
      try {
        await read([text]);
      } catch (error) {
        expect(error).toBeInstanceOf(CliError);
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(await failure('a\nb"c\n')).toBe('x.csv:2: a quote may only open a field');
    expect(await failure('a\n"b"c\n')).toMatch(/^x\.csv:2: text after a closing quote/);
    expect(await failure('a\n\n"b\nc')).toBe(
      'x.csv:4: a quoted field is not closed before the end of the file',
    );
  });
});
