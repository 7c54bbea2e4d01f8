import fs from 'node:fs/promises';
import type { ResolvedCsvOptions } from './csv-options';

/** The bytes a UTF-8 file begins with to say that it is UTF-8: the error files, replays and exports we write do. */
export const UTF8_BOM = '\uFEFF';
const UTF8_BOM_BYTES = Buffer.from(UTF8_BOM, 'utf8');

/**
 * The options to read this file with: UTF-8 when it begins with the UTF-8 byte order mark, whatever encoding
 * is set, else as set. The files we write for a replay are UTF-8 (an error text or a correction may hold any
 * character), and a row-processor set to latin1 would read them back as latin1: "Zoë" would go out as
 * "ZoÃ«". No latin1 or UTF-16 text begins with those three bytes ("ï»¿", U+BBEF) in practice. A file that
 * cannot be opened is left to the read itself, which reports it as it always has.
 */
export async function withFileEncoding(filePath: string, options: ResolvedCsvOptions): Promise<ResolvedCsvOptions> {
  if (options.encoding === 'utf8') return options;
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(filePath, 'r');
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(UTF8_BOM_BYTES.length), 0, UTF8_BOM_BYTES.length, 0);
    return bytesRead === UTF8_BOM_BYTES.length && buffer.equals(UTF8_BOM_BYTES) ? { ...options, encoding: 'utf8' } : options;
  } catch {
    return options;
  } finally {
    await handle?.close();
  }
}
