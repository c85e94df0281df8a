// Opaque keyset cursors over (createdAt, id), newest first; used by every list endpoint.
import { AppError } from '../errors';

export type CursorKey = { createdAt: number; id: string };

export function encodeCursor(key: CursorKey): string {
  return btoa(JSON.stringify([key.createdAt, key.id]))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

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
      /^[a-z]{2}_[0-9a-z]{26}$/.test(value[1])
    ) {
      return { createdAt: value[0] as number, id: value[1] };
    }
  } catch {
    // Falls through to the one error below: a cursor is opaque, so its inner fault does not matter.
  }
  throw new AppError('BAD_REQUEST', 'cursor is not valid: pass back a nextCursor from an earlier page');
}
