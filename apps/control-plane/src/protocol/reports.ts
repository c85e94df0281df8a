// Structured results of the built-in agent templates (stored as an execution's `result.structured`) and the host
// snapshot the runner collects for `system-health-reporter`. The dashboard renders them; the runner and tests check
// them; the template seeds carry their JSON Schema (migrations/).
import { z } from 'zod';

const Bytes = z.number().nonnegative();
const Percent = z.number().min(0).max(100);

/** What a runner's host looks like now, from `systeminformation` (null: not available on this host). */
export const HostSnapshot = z.object({
  collectedAt: z.string(),
  hostname: z.string(),
  os: z.object({ platform: z.string(), distro: z.string(), release: z.string(), kernel: z.string(), arch: z.string() }),
  uptimeSeconds: z.number().nonnegative(),
  cpu: z.object({
    brand: z.string(),
    cores: z.number().int().nonnegative(),
    physicalCores: z.number().int().nonnegative(),
    speedGHz: z.number().nonnegative().nullable(),
    loadPercent: Percent,
    loadAverage: z.tuple([z.number(), z.number(), z.number()]),
    temperatureC: z.number().nullable(),
  }),
  memory: z.object({
    totalBytes: Bytes,
    usedBytes: Bytes,
    availableBytes: Bytes,
    swapTotalBytes: Bytes,
    swapUsedBytes: Bytes,
  }),
  disks: z.array(
    z.object({
      mount: z.string(),
      fs: z.string(),
      type: z.string(),
      sizeBytes: Bytes,
      usedBytes: Bytes,
      usePercent: Percent,
    }),
  ),
  network: z.array(
    z.object({
      iface: z.string(),
      ip4: z.string().nullable(),
      rxBytesPerSec: z.number().nonnegative().nullable(),
      txBytesPerSec: z.number().nonnegative().nullable(),
    }),
  ),
  processes: z.object({
    all: z.number().int().nonnegative(),
    running: z.number().int().nonnegative(),
    blocked: z.number().int().nonnegative(),
    /** The busiest processes by CPU, then memory. */
    top: z.array(
      z.object({
        pid: z.number().int(),
        name: z.string(),
        cpuPercent: z.number().nonnegative(),
        memPercent: z.number().nonnegative(),
        memRssBytes: Bytes,
      }),
    ),
  }),
  gpus: z.array(
    z.object({
      vendor: z.string(),
      model: z.string(),
      utilizationPercent: z.number().nullable(),
      memUsedBytes: z.number().nullable(),
      memTotalBytes: z.number().nullable(),
      temperatureC: z.number().nullable(),
    }),
  ),
  /** Sensors beyond the CPU package (chipset, drives), where the host exposes them. */
  temperatures: z.object({ mainC: z.number().nullable(), maxC: z.number().nullable() }),
});
export type HostSnapshot = z.infer<typeof HostSnapshot>;

export const HEALTH_LEVELS = ['ok', 'warn', 'critical'] as const;
export const HealthLevel = z.enum(HEALTH_LEVELS);

/** What Claude returns for `system-health-reporter` (the template's output schema). */
export const HealthAnalysis = z.object({
  status: HealthLevel,
  summary: z.string(),
  findings: z.array(z.object({ severity: HealthLevel, area: z.string(), message: z.string() })),
  recommendations: z.array(z.string()),
});
export type HealthAnalysis = z.infer<typeof HealthAnalysis>;

/** `result.structured` of a `system-health-reporter` execution: the runner's snapshot and Claude's analysis of it. */
export const HealthReport = z.object({
  kind: z.literal('health-report'),
  /** `skipped`: the runner had no model credentials; status, findings and recommendations are then absent. */
  analysis: z.enum(['claude', 'skipped']),
  skippedReason: z.string().optional(),
  status: HealthLevel.optional(),
  summary: z.string().optional(),
  findings: HealthAnalysis.shape.findings.optional(),
  recommendations: z.array(z.string()).optional(),
  snapshot: HostSnapshot,
});
export type HealthReport = z.infer<typeof HealthReport>;

export const REVIEW_SEVERITIES = ['info', 'minor', 'major', 'critical'] as const;
/** `result.structured` of a `pr-reviewer` execution (the template's output schema). */
export const PrReview = z.object({
  summary: z.string(),
  verdict: z.enum(['approve', 'request_changes', 'comment']),
  findings: z.array(
    z.object({
      file: z.string(),
      line: z.number().int().nullable(),
      severity: z.enum(REVIEW_SEVERITIES),
      message: z.string(),
      suggestion: z.string().optional(),
    }),
  ),
});
export type PrReview = z.infer<typeof PrReview>;
