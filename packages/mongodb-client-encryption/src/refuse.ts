// What command analysis shares: the refusal and the document test.
import { isPlainDocument } from '@fle-ts/client';
import { MongoCryptBindingError } from './errors.js';

/** Refuses a command fle-ts does not analyse (fail closed: nothing is sent). */
export function refuse(message: string): never {
  throw new MongoCryptBindingError('COMMAND_NOT_SUPPORTED', message);
}

/** A plain embedded document of a command (the client walkers' own test). */
export const isDoc = isPlainDocument;
