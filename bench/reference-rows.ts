// The rows of the reference scenario (the same as the tests' fixture), written as CSV batch files.
import fs from 'node:fs';

export const HEADER = 'employeeNumber,iban,bankIdentifier,branchIdentifier,accountNumber';

/** Row i of the reference scenario: employee 1000+i, a plausible German IBAN. */
export function employeeRow(i: number): string {
  return `${1000 + i},DE${String(10 + (i % 89)).padStart(2, '0')}370400440532${String(i).padStart(6, '0')},COBADEFF,${100 + (i % 7)},${String(532013000 + i)}`;
}

async function writeLines(file: string, header: string, rows: number, line: (i: number) => string): Promise<void> {
  const out = fs.createWriteStream(file);
  let chunk = `${header}\n`;
  for (let i = 1; i <= rows; i += 1) {
    chunk += `${line(i)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  out.end(chunk);
  await new Promise<void>((resolve, reject) => out.on('finish', () => resolve()).on('error', reject));
}

/** The grouped variant's file: contacts, `groupSize` per account, sorted by account (a group is consecutive rows). */
export function writeContactsCsv(file: string, rows: number, groupSize: number): Promise<void> {
  return writeLines(file, 'contactId,accountId,name,email', rows, (i) => `c${i},A-${Math.ceil(i / groupSize)},Contact ${i},c${i}@example.com`);
}

/** The upsert variant's files: the same customers each time; `changed(i)` renames customer i. */
export function writeCustomersCsv(file: string, rows: number, changed: (i: number) => boolean): Promise<void> {
  return writeLines(file, 'customerNo,name,city', rows, (i) => `C-${String(i).padStart(7, '0')},Customer ${i}${changed(i) ? ' renamed' : ''},Town ${i % 97}`);
}

/** Rows `first` to `first + rows - 1`: batches of one set get different employees (and different contents). */
export async function writeCsv(file: string, rows: number, first = 1): Promise<void> {
  const out = fs.createWriteStream(file);
  let chunk = `${HEADER}\n`;
  for (let i = first; i < first + rows; i += 1) {
    chunk += `${employeeRow(i)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  out.end(chunk);
  await new Promise<void>((resolve, reject) => out.on('finish', () => resolve()).on('error', reject));
}
