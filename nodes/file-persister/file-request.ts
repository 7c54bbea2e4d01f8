import type { NodeMessage } from 'node-red';
import { FileRefusedError } from '../../lib/errors';
import type { PersistSource } from '../../lib/files';
import type { FilePersisterConfig } from './config';

/** What one input message asks for: which file, in which group type, duplicates allowed or not. */
export interface FileRequest {
  source: PersistSource;
  groupType: string;
  allowDuplicates: boolean;
}

export interface FilePersisterMessage extends NodeMessage {
  filename?: unknown;
  groupType?: unknown;
  allowDuplicates?: unknown;
}

/**
 * Reads an input message: `msg.filename` names a file in the inbound folder, unless `msg.payload`
 * carries the content (a Buffer, or a string, as http-in delivers an upload); then `msg.filename` is its
 * name. A string payload equal to `msg.filename` is the path itself (the core watch node sends both).
 */
export function readFileRequest(msg: FilePersisterMessage, config: FilePersisterConfig): FileRequest {
  const { filename, payload } = msg;
  if (typeof filename !== 'string' || filename.trim() === '') {
    throw new FileRefusedError('INVALID_FILE_NAME', String(filename ?? ''), 'msg.filename is required: the path of a file in the inbound folder, or the name of the uploaded content in msg.payload');
  }
  let source: PersistSource;
  if (Buffer.isBuffer(payload)) source = { data: payload, fileName: filename };
  else if (typeof payload === 'string' && payload !== '' && payload !== filename) source = { data: Buffer.from(payload, 'utf8'), fileName: filename };
  else source = { path: filename };
  return {
    source,
    groupType: typeof msg.groupType === 'string' && msg.groupType.trim() !== '' ? msg.groupType.trim() : config.groupType,
    allowDuplicates: typeof msg.allowDuplicates === 'boolean' ? msg.allowDuplicates : config.allowDuplicates,
  };
}
