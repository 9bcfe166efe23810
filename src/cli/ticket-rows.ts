/**
 * Rows of a tickets CSV: `username,count` with a header line naming the columns (`username` and
 * optionally `count`, default 1; other columns are ignored, in any order). Each row is checked
 * here, before anything is sent, with the same rules the API applies (`src/api/schemas.ts`),
 * so a bad file is refused whole with its line number instead of half-imported.
 */
import { countMaxDefault, usernameLengthMax } from '../config/limits.js';
import { CliError, exitCodes } from './cli-error.js';
import type { CsvRecord } from './csv-records.js';

export interface TicketRow {
  line: number;
  username: string;
  count: number;
}

// Control characters and the invisible or bidi ones the API refuses in names.
const forbidden =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;

export class TicketRowReader {
  private usernameColumn = -1;
  private countColumn = -1;

  constructor(private readonly name: string) {}

  private fail(line: number, message: string): never {
    throw new CliError(`${this.name}:${line}: ${message}`, exitCodes.badInput);
  }

  /** The row of a record; undefined for the header line. */
  row(record: CsvRecord): TicketRow | undefined {
    if (this.usernameColumn < 0) {
      const names = record.fields.map((field) =>
        field
          .trim()
          .replace(/^\ufeff/, '')
          .toLowerCase(),
      );
      this.usernameColumn = names.indexOf('username');
      this.countColumn = names.indexOf('count');
      if (this.usernameColumn < 0) {
        this.fail(
          record.line,
          `the header must name a 'username' column (found: ${names.join(', ')})`,
        );
      }
      return undefined;
    }
    const username = (record.fields[this.usernameColumn] ?? '').normalize('NFC');
    if (username === '') this.fail(record.line, 'the username is empty');
    const length = [...username].length;
    if (length > usernameLengthMax) {
      this.fail(record.line, `the username has ${length} characters; at most ${usernameLengthMax}`);
    }
    if (username.trim() !== username) this.fail(record.line, 'the username has surrounding spaces');
    if (forbidden.test(username))
      this.fail(record.line, 'the username has a control or invisible character');
    let count = 1;
    if (this.countColumn >= 0) {
      const text = (record.fields[this.countColumn] ?? '').trim();
      count = /^[0-9]{1,16}$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isSafeInteger(count) || count < 1 || count > countMaxDefault) {
        this.fail(
          record.line,
          `the count '${text}' is not a whole number from 1 to ${countMaxDefault}`,
        );
      }
    }
    return { line: record.line, username, count };
  }
}
