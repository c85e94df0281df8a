// The settings page's Security section: rotating the admin token (what the person sees after each answer) and the
// retention form (days per kind of history, empty to keep everything). Used by the rotate and retention components.
import { ApiError, type ApiClient } from './api-client';

export type Rotation =
  | { kind: 'rotated'; token: string }
  /** The API refused (409: the token comes from CLAUDEOPS_ADMIN_TOKEN): its message says what to do instead. */
  | { kind: 'refused'; message: string }
  | { kind: 'failed'; message: string };

export const ROTATE_QUESTION =
  'Rotate the admin token? The current token stops working and every session ends, this one included.';

/** Asks for a new admin token and says what happened in words a person can act on. */
export async function rotate(api: Pick<ApiClient, 'rotateAdminToken'>): Promise<Rotation> {
  try {
    return { kind: 'rotated', token: (await api.rotateAdminToken()).token };
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) return { kind: 'refused', message: e.message };
    return { kind: 'failed', message: e instanceof ApiError ? e.message : 'The admin token could not be rotated.' };
  }
}
