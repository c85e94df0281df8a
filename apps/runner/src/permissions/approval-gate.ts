// One run's answer to Claude Code's canUseTool (used by the agent through the job runner): the execution's permission
// policy allows or denies a call outright; anything else waits for a person's decision, which the hub relays as an
// `exec.approval.result` frame. Records `approval.requested` / `approval.decided` events and the run's
// `awaiting_approval` ⇄ `running` status; "remember" adds a standing grant for the rest of the run.
import { randomInt } from 'node:crypto';
import type { CanUseTool, PermissionResult } from '@anthropic-ai/claude-agent-sdk';
import type { EventData, EventDraft, ExecutionStatus, PermissionPolicy } from '@claudeops/control-plane/protocol';
import { truncateText } from '../agent/agent-events';
import { patternFor, summarize } from './approval-summary';
import { evaluate } from './permissions';

export type ApprovalDecisionData = EventData<'approval.decided'>;

export interface ApprovalGateOptions {
  /** Null: every tool runs without asking (and nothing is recorded). */
  policy: PermissionPolicy | null;
  /** How long the hub gives a person to answer (it sends the `expired` decision). */
  timeoutMs: number;
  emit: (draft: EventDraft) => void;
  /** The execution's working directory: relative paths in rules and tool inputs resolve against it. */
  cwd: string;
  /** Standing grants the run starts with. */
  grants?: readonly string[];
  now?: () => Date;
  /** Records the run's running ⇄ awaiting_approval (the job's pause keeps it from showing while paused); absent: a
   * `status` event. */
  onStatus?: (status: ExecutionStatus) => void;
  /** A breakpoint this call meets pauses the run: resolves true once resumed, false when the run ended; null: none. */
  breakpoint?: (toolName: string, input: Record<string, unknown>) => Promise<boolean> | null;
}

interface Waiting {
  tool: string;
  settle: (decision: ApprovalDecisionData, pattern: string | null) => void;
}

/** Bytes of the JSON of a request's input and summary, so the event stays well under MAX_EVENT_BYTES (64 KiB). */
const INPUT_BYTES = 16 * 1024;
const SUMMARY_BYTES = 24 * 1024;

function boundedInput(input: Record<string, unknown>): unknown {
  const { text, truncated } = truncateText(JSON.stringify(input), INPUT_BYTES);
  return truncated ? { truncated: true, preview: text } : input;
}

/** A grant of a whole tool that runs commands or writes files. */
const BROAD_GRANT = /^(Bash|Edit|Write|MultiEdit|NotebookEdit)(\(\*?\))?$/;

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export function newApprovalId(): string {
  let id = 'ap_';
  for (let i = 0; i < 26; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} seconds`;
  const minutes = Math.round(seconds / 60);
  return minutes < 120 ? `${minutes} minutes` : `${Math.round(minutes / 60)} hours`;
}

export class ApprovalGate {
  private readonly grants: string[];
  /** Patterns a person denied with "remember". */
  private readonly denials: string[] = [];
  private readonly waiting = new Map<string, Waiting>();
  private closedReason: string | null = null;
  private readonly now: () => Date;

  constructor(private readonly options: ApprovalGateOptions) {
    // A bare Bash, Edit or Write grant (an older runner's "remember" made them) would allow far more than the call
    // a person saw: such grants are dropped, and the call is asked about again.
    this.grants = (options.grants ?? []).filter((grant) => !BROAD_GRANT.test(grant.trim()));
    this.now = options.now ?? (() => new Date());
  }

  /** The callback Claude Code's query() takes. */
  readonly canUseTool: CanUseTool = (toolName, input, options) =>
    this.check(toolName, input, { signal: options.signal, toolUseID: options.toolUseID });

  /** Standing grants so far (the policy's allow rules not included). */
  get standingGrants(): readonly string[] {
    return this.grants;
  }

  /** Approvals waiting for a decision. */
  get pending(): number {
    return this.waiting.size;
  }

  async check(
    toolName: string,
    input: Record<string, unknown>,
    context: { signal?: AbortSignal; toolUseID?: string } = {},
  ): Promise<PermissionResult> {
    const { policy, cwd } = this.options;
    // A breakpoint holds the call before anything decides it; a person resumes (the policy then decides) or cancels.
    const held = this.options.breakpoint?.(toolName, input) ?? null;
    if (held !== null && !(await held)) return this.ended(toolName, this.closedReason ?? 'the execution ended');
    if (policy === null) return { behavior: 'allow', updatedInput: input };
    const rules = this.denials.length > 0 ? { ...policy, deny: [...policy.deny, ...this.denials] } : policy;
    const { verdict, rule, reason } = evaluate(rules, this.grants, toolName, input, { cwd });
    if (verdict === 'allow') return { behavior: 'allow', updatedInput: input };
    if (verdict === 'deny') {
      return {
        behavior: 'deny',
        message:
          `Denied by the permission policy (rule "${rule}"): this ${toolName} call is not allowed in this ` +
          `execution${reason ? ` (${reason})` : ''}.`,
      };
    }
    if (this.closedReason !== null) return this.ended(toolName, this.closedReason);
    const approvalId = newApprovalId();
    const why = reason ? `\n\nAsked because ${reason}.` : '';
    const summary = truncateText((await summarize(toolName, input, cwd)) + why, SUMMARY_BYTES).text;
    const pattern = patternFor(toolName, input, cwd);
    const answer = this.wait(approvalId, toolName, context.signal);
    this.draft('approval.requested', {
      approvalId,
      tool: toolName.slice(0, 200),
      input: boundedInput(input),
      summary,
      pattern,
      ...(context.toolUseID ? { toolUseId: context.toolUseID.slice(0, 200) } : {}),
      timeoutMs: this.options.timeoutMs,
    });
    if (this.waiting.size === 1) this.status('awaiting_approval');
    // "remember" grants the pattern this request showed, whatever pattern comes back with the decision.
    const { decision } = await answer;
    this.draft('approval.decided', decision);
    if (this.waiting.size === 0 && this.closedReason === null) this.status('running');
    if (decision.decision === 'allow') {
      if (decision.remember && !this.grants.includes(pattern)) this.grants.push(pattern);
      return { behavior: 'allow', updatedInput: input };
    }
    // A remembered denial refuses the same pattern for the rest of the run without asking again.
    if (decision.remember && decision.status === 'denied' && !this.denials.includes(pattern))
      this.denials.push(pattern);
    return this.denied(toolName, decision);
  }

  /**
   * A decision from the hub. Unknown and already-settled ids are ignored: the hub repeats a decision after every
   * reconnect until it has stored this run's `approval.decided` event, which the log streamer resends by itself.
   */
  resolve(decision: ApprovalDecisionData, pattern: string | null = null): void {
    this.waiting.get(decision.approvalId)?.settle(decision, pattern || null);
  }

  /** The run is ending: every waiting approval is denied (recorded as cancelled), later ones at once. Idempotent. */
  close(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    for (const [approvalId, waiting] of this.waiting) waiting.settle(this.cancelled(approvalId, reason), null);
  }

  private wait(
    approvalId: string,
    tool: string,
    signal: AbortSignal | undefined,
  ): Promise<{ decision: ApprovalDecisionData; grantedPattern: string | null }> {
    return new Promise((resolve) => {
      const onAbort = () =>
        this.waiting.get(approvalId)?.settle(this.cancelled(approvalId, 'Claude Code withdrew the tool call'), null);
      this.waiting.set(approvalId, {
        tool,
        settle: (decision, grantedPattern) => {
          this.waiting.delete(approvalId);
          signal?.removeEventListener('abort', onAbort);
          resolve({ decision, grantedPattern });
        },
      });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private cancelled(approvalId: string, reason: string): ApprovalDecisionData {
    return {
      approvalId,
      status: 'cancelled',
      decision: 'deny',
      decidedBy: 'runner',
      message: null,
      remember: null,
      reason: reason.slice(0, 2000),
    };
  }

  private denied(tool: string, decision: ApprovalDecisionData): PermissionResult {
    switch (decision.status) {
      case 'expired':
        return {
          behavior: 'deny',
          message:
            `Nobody answered the approval request for this ${tool} call within ` +
            `${duration(this.options.timeoutMs)}, so it was denied. Do not retry it; carry on without it or stop.`,
        };
      case 'cancelled':
        return this.ended(tool, decision.reason ?? 'the execution ended');
      default: {
        const said = decision.message ? ` with the message: ${decision.message}` : '';
        const why = !said && decision.reason ? ` (${decision.reason})` : '';
        return { behavior: 'deny', message: `${decision.decidedBy} denied this ${tool} call${said}${why}.` };
      }
    }
  }

  private ended(tool: string, reason: string): PermissionResult {
    return {
      behavior: 'deny',
      message: `This ${tool} call was not approved: ${reason}.`,
      interrupt: true,
    };
  }

  private status(status: ExecutionStatus): void {
    if (this.options.onStatus) this.options.onStatus(status);
    else this.draft('status', { status });
  }

  private draft<T extends EventDraft['type']>(type: T, data: EventData<T>): void {
    this.options.emit({ type, ts: this.now().toISOString(), data } as EventDraft);
  }
}
