// Time helpers: D1 stores epoch milliseconds, the API speaks ISO 8601.
export const toIso = (ms: number): string => new Date(ms).toISOString();
export const toIsoOrNull = (ms: number | null | undefined): string | null => (ms == null ? null : toIso(ms));
