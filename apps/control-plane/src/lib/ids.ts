// Time-sortable ids (a lowercased ULID behind a prefix) for executions and runners; used by routes and queries.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** 10 characters of milliseconds since the epoch, then 16 random characters: 26 in all, sortable by time. */
export function ulid(now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  let rest = '';
  for (const byte of random) rest += ALPHABET[byte % 32];
  return time + rest;
}

export const newExecutionId = (now?: number): string => `ex_${ulid(now)}`;
export const newApprovalId = (now?: number): string => `ap_${ulid(now)}`;
export const newAuditId = (now?: number): string => `au_${ulid(now)}`;
export const newRunnerId = (now?: number): string => `rn_${ulid(now)}`;
/** Ids of token rows; never shown to anyone, only unique. */
export const newRowId = (): string => crypto.randomUUID();
export const newScheduleId = (now?: number): string => `sch_${ulid(now)}`;
export const newScheduleRunId = (now?: number): string => `sr_${ulid(now)}`;
export const newWebhookId = (now?: number): string => `wh_${ulid(now)}`;
export const newDeliveryRowId = (now?: number): string => `whd_${ulid(now)}`;
