/**
 * `*.csv`, `bank-??.csv`, or several patterns separated by commas (`*.csv, *.txt`) as one matcher on
 * file names. Case-insensitive, because files dropped from Windows arrive as `EXPORT.CSV` just as often.
 */
export function globToRegExp(glob: string): RegExp {
  const alternatives = glob
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) =>
      Array.from(part, (char) => {
        if (char === '*') return '.*';
        if (char === '?') return '.';
        return char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
      }).join(''),
    );
  if (alternatives.length === 0) return /^.*$/i;
  return new RegExp(`^(?:${alternatives.join('|')})$`, 'i');
}

export function fileNameMatcher(pattern: string | RegExp): (fileName: string) => boolean {
  const regex = typeof pattern === 'string' ? globToRegExp(pattern) : pattern;
  return (fileName) => {
    regex.lastIndex = 0;
    return regex.test(fileName);
  };
}

/** Names that uploaders, editors and our own moves use while a file is not finished yet. */
const UNFINISHED = /\.(tmp|temp|part|partial|crdownload|filepart|swp)$|~$/i;

export function isUnfinishedName(fileName: string): boolean {
  return fileName.startsWith('.') || UNFINISHED.test(fileName);
}
