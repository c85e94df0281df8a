// A job's sandbox as the job runner uses it (job-runner.ts, job-execution.ts): whether an offer may run here at all,
// and the confined run of an accepted job, announced in its log before Claude Code starts.
import type { EventDraft, Job, SandboxKind } from '@claudeops/control-plane/protocol';
import type { ConfinedRun, Sandbox } from './sandbox';

/** Why this runner must refuse the job (job.reject), or null when it may run it. */
export function sandboxRefusal(job: Pick<Job, 'requireSandbox'>, kind: SandboxKind): string | null {
  return job.requireSandbox && kind !== 'bubblewrap'
    ? 'the job requires a sandbox and this runner runs Claude Code unconfined (sandbox: none)'
    : null;
}

export interface JobConfinement {
  sandbox: Sandbox;
  job: Pick<Job, 'executionId' | 'network' | 'limits'>;
  cwd: string;
  /** Claude Code's config dir for the run (the conversation's sessions), kept for its follow-ups. */
  configDir?: string;
  /** Claude Code's environment (with its ANTHROPIC_BASE_URL already pointing at the model proxy). */
  env: Record<string, string>;
  modelBaseUrl?: string;
  emit: (draft: EventDraft) => unknown;
}

const logDraft = (level: 'info' | 'warn', message: string): EventDraft => ({
  type: 'log',
  ts: new Date().toISOString(),
  data: { level, message },
});

/**
 * The job's confined run; its log says first how it runs ("sandbox: bubblewrap, network model-only, …") and what is
 * not enforced here. Throws SandboxError when the job's policy cannot be met (the run fails with its message).
 */
export async function confineJob(options: JobConfinement): Promise<ConfinedRun> {
  const { job, emit } = options;
  const run = await options.sandbox.prepare({
    executionId: job.executionId,
    network: job.network,
    limits: job.limits,
    cwd: options.cwd,
    ...(options.configDir && { configDir: options.configDir }),
    env: options.env,
    ...(options.modelBaseUrl && { modelBaseUrl: options.modelBaseUrl }),
    onRefused: (host) => emit(logDraft('warn', `network: ${host} is not in this execution's allow-list (403)`)),
  });
  emit(logDraft('info', run.summary));
  for (const warning of run.warnings) emit(logDraft('warn', warning));
  return run;
}
