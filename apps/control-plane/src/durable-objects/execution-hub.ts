// PLACEHOLDER written by CP-A so the Worker builds before CP-B's ExecutionHub lands; CP-B replaces this file.
import { DurableObject } from 'cloudflare:workers';
import type { CancelReason, ExecutionEvent, ExecutionStatus } from '../protocol';

export class ExecutionHub extends DurableObject<Env> {
  override async fetch(_request: Request): Promise<Response> {
    return new Response('not implemented', { status: 501 });
  }

  async events(_executionId: string, _after: number, _limit: number): Promise<ExecutionEvent[]> {
    return [];
  }

  async cancel(_executionId: string, _reason: CancelReason): Promise<void> {}

  async close(_executionId: string, _status: ExecutionStatus, _reason: string): Promise<void> {}
}
