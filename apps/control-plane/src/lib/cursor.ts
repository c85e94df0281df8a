// Opaque keyset cursors over (createdAt, id), newest first, or over names; used by every list endpoint.
import { AppError } from '../errors';

export type CursorKey = { createdAt: number; id: string };

export function encodeCursor(key: CursorKey): string {
  return btoa(JSON.stringify([key.createdAt, key.id]))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** Ids of the rows cursors point at: `ex_…`, `ap_…`, and derived audit ids (`ap_….allowed`). */
const ROW_ID = /^[a-z]{2}_[0-9a-z]{26}(\.[a-z_]{1,20})?$/;

/** Decodes a cursor this API handed out; anything else is a 400, not a 500. */
export function decodeCursor(cursor: string): CursorKey {
  try {
    const json = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    const value: unknown = JSON.parse(json);
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === 'string' &&
      ROW_ID.test(value[1])
    ) {
      return { createdAt: value[0] as number, id: value[1] };
    }
  } catch {
    // Falls through to the one error below: a cursor is opaque, so its inner fault does not matter.
  }
  throw new AppError('BAD_REQUEST', 'cursor is not valid: pass back a nextCursor from an earlier page');
}

/** A cursor over names (agent templates, listed by name). */
export const encodeNameCursor = (name: string): string => encodeCursor({ createdAt: 0, id: name });

export function decodeNameCursor(cursor: string): string {
  try {
    const value: unknown = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
    if (Array.isArray(value) && value[0] === 0 && typeof value[1] === 'string' && value[1].length <= 64)
      return value[1];
  } catch {
    // The one error below.
  }
  throw new AppError('BAD_REQUEST', 'cursor is not valid: pass back a nextCursor from an earlier page');
}
