// The structured result of a run with an output schema (used by the job execution): Claude Code's structured_output
// is checked against the job's JSON Schema with ajv before it is recorded; missing or invalid, the run fails and
// nothing unchecked is stored. A health-report run's analysis is merged with its host snapshot here too.
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ValidateFunction } from 'ajv';
import { HealthAnalysis, type EventData, type HostSnapshot, type Job } from '@claudeops/control-plane/protocol';
import { analysedResult } from '../health/health-run';

const MAX_ERRORS_CHARS = 1500;
/** ajv is loaded by the first run with an output schema, not by an idle runner (its memory footprint). */
const loadAjv = (): typeof AjvClass => (createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass }).Ajv;

export class ResultShaper {
  /** Why the run fails although Claude Code succeeded (its structured output is missing or invalid); null if fine. */
  failure: string | null = null;
  private readonly validate: ValidateFunction | null = null;
  private readonly schemaError: string | null = null;

  constructor(
    private readonly job: Pick<Job, 'outputSchema' | 'hostSnapshot'>,
    private readonly snapshot: HostSnapshot | null = null,
  ) {
    if (!job.outputSchema) return;
    try {
      // strict: false, so the keywords ajv does not know (title, examples, format) are annotations, not errors.
      const Ajv = loadAjv();
      this.validate = new Ajv({ strict: false, allErrors: true }).compile(job.outputSchema);
    } catch (error) {
      this.schemaError = `the output schema is not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /**
   * The result event's data as it is recorded, and a line for the log when the structured output was refused.
   * Without an output schema the result passes unchanged.
   */
  shape(result: EventData<'result'>): { data: EventData<'result'>; problem: string | null } {
    if (!this.job.outputSchema) return { data: result, problem: null };
    const { structured, ...rest } = result;
    // A failed run has nothing to check: its result says what went wrong.
    if (result.isError || result.subtype !== 'success') return { data: rest, problem: null };
    const problem = this.check(structured);
    if (problem) {
      this.failure = problem;
      return { data: rest, problem };
    }
    if (this.job.hostSnapshot && this.snapshot) {
      const analysis = HealthAnalysis.safeParse(structured);
      if (!analysis.success) {
        this.failure = `the health analysis is malformed: ${analysis.error.message.slice(0, MAX_ERRORS_CHARS)}`;
        return { data: rest, problem: this.failure };
      }
      return { data: analysedResult(rest, analysis.data, this.snapshot), problem: null };
    }
    return { data: { ...rest, structured }, problem: null };
  }

  private check(structured: unknown): string | null {
    if (this.schemaError) return this.schemaError;
    if (structured === undefined) return 'Claude Code returned no structured output for the output schema';
    if (!this.validate || this.validate(structured)) return null;
    const errors = (this.validate.errors ?? [])
      .map((error) => `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}`)
      .join('; ');
    return `the structured output does not match the output schema: ${errors}`.slice(0, MAX_ERRORS_CHARS);
  }
}
