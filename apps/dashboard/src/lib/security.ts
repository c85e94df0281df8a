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

/** Days each kind of history is kept; null keeps it for good (GET/PUT /api/v1/settings/retention). */
export interface RetentionDays {
  auditDays: number | null;
  approvalsDays: number | null;
  executionsDays: number | null;
}
export type RetentionKey = keyof RetentionDays;
export type RetentionText = Record<RetentionKey, string>;

export const RETENTION_FIELDS: ReadonlyArray<{ key: RetentionKey; label: string; hint: string }> = [
  { key: 'executionsDays', label: 'Executions', hint: 'Ended executions with their events, steps and costs.' },
  { key: 'approvalsDays', label: 'Approvals', hint: 'Decided approvals.' },
  { key: 'auditDays', label: 'Audit log', hint: 'Who did what, and when.' },
];

/** The most days a field takes: a century is "keep" in all but name. */
const MAX_DAYS = 36_500;

export function retentionToText(days: RetentionDays): RetentionText {
  return {
    auditDays: days.auditDays?.toString() ?? '',
    approvalsDays: days.approvalsDays?.toString() ?? '',
    executionsDays: days.executionsDays?.toString() ?? '',
  };
}

/** The form as the PUT body (empty: keep), or what is wrong with each field. */
export function readRetention(
  text: RetentionText,
): { ok: true; days: RetentionDays } | { ok: false; errors: Partial<Record<RetentionKey, string>> } {
  const days: RetentionDays = { auditDays: null, approvalsDays: null, executionsDays: null };
  const errors: Partial<Record<RetentionKey, string>> = {};
  for (const { key } of RETENTION_FIELDS) {
    const raw = text[key].trim();
    if (raw === '') continue;
    const value = Number(raw);
    if (Number.isInteger(value) && value >= 1 && value <= MAX_DAYS) days[key] = value;
    else errors[key] = `Whole days, 1 to ${MAX_DAYS}; empty keeps everything.`;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, days };
}

/** `90 days`, or `kept` for null. */
export function retentionSummary(days: number | null): string {
  if (days === null) return 'kept';
  return `${days} ${days === 1 ? 'day' : 'days'}`;
}
