// The rows of the reference scenario (the same as the tests' fixture), written as CSV batch files.
import fs from 'node:fs';

export const HEADER = 'employeeNumber,iban,bankIdentifier,branchIdentifier,accountNumber';

/** Row i of the reference scenario: employee 1000+i, a plausible German IBAN. */
export function employeeRow(i: number): string {
  return `${1000 + i},DE${String(10 + (i % 89)).padStart(2, '0')}370400440532${String(i).padStart(6, '0')},COBADEFF,${100 + (i % 7)},${String(532013000 + i)}`;
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
