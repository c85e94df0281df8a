// A template's structured result (`result.structured`) sorted into what the execution page can render: a PR
// review, a health report, or plain JSON; and the host snapshot's key numbers. Pure; used by the result section.
import { HealthReport, PrReview, type HostSnapshot } from '@claudeops/control-plane/protocol';

export type Structured =
  | { kind: 'pr-review'; review: PrReview }
  | { kind: 'health-report'; report: HealthReport }
  | { kind: 'json'; value: unknown };

export function classifyStructured(value: unknown): Structured | null {
  if (value === undefined || value === null) return null;
  const health = HealthReport.safeParse(value);
  if (health.success) return { kind: 'health-report', report: health.data };
  const review = PrReview.safeParse(value);
  if (review.success) return { kind: 'pr-review', review: review.data };
  return { kind: 'json', value };
}

const SEVERITY_ORDER = { critical: 0, major: 1, warn: 1, minor: 2, info: 3, ok: 3 } as const;

/** Findings worst first, then by file and line, so the table reads top-down. */
export function sortFindings<T extends { severity: keyof typeof SEVERITY_ORDER; file?: string; line?: number | null }>(
  findings: readonly T[],
): T[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0),
  );
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

export const percent = (part: number, whole: number): number => (whole > 0 ? (part / whole) * 100 : 0);

export interface KeyNumber {
  label: string;
  value: string;
  /** 0–100 where a bar makes sense. */
  gauge?: number;
}

/** The numbers a person checks first on a host: CPU, load, memory, swap, uptime. */
export function keyNumbers(snapshot: HostSnapshot): KeyNumber[] {
  const { cpu, memory } = snapshot;
  const used = memory.totalBytes - memory.availableBytes;
  const numbers: KeyNumber[] = [
    { label: 'CPU', value: `${cpu.loadPercent.toFixed(0)}% of ${cpu.cores} cores`, gauge: cpu.loadPercent },
    { label: 'Load (1/5/15 min)', value: cpu.loadAverage.map((load) => load.toFixed(2)).join(' / ') },
    {
      label: 'Memory',
      value: `${formatBytes(used)} of ${formatBytes(memory.totalBytes)}`,
      gauge: percent(used, memory.totalBytes),
    },
  ];
  if (memory.swapTotalBytes > 0) {
    numbers.push({
      label: 'Swap',
      value: `${formatBytes(memory.swapUsedBytes)} of ${formatBytes(memory.swapTotalBytes)}`,
      gauge: percent(memory.swapUsedBytes, memory.swapTotalBytes),
    });
  }
  if (cpu.temperatureC !== null) numbers.push({ label: 'CPU temperature', value: `${cpu.temperatureC.toFixed(0)} °C` });
  numbers.push({ label: 'Uptime', value: formatUptime(snapshot.uptimeSeconds) });
  return numbers;
}

export function formatUptime(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  if (days > 0) return `${days} d ${hours} h`;
  const minutes = Math.floor((seconds % 3600) / 60);
  return hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min`;
}
