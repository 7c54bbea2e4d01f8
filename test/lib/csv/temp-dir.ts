// A fresh temp folder per test file, removed afterwards; tests write real files into it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

export function useTempDir(prefix: string): (fileName: string, content?: string | Buffer) => string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return (fileName, content) => {
    const filePath = path.join(dir, fileName);
    if (content !== undefined) fs.writeFileSync(filePath, content);
    return filePath;
  };
}
