// PLACEHOLDER written by CP-A so the Worker builds before CP-B's Fleet lands; CP-B replaces this file.
import { DurableObject } from 'cloudflare:workers';
import type { CancelReason } from '../protocol';

export type RunnerSnapshot = { runnerId: string; connected: boolean; running: string[]; freeSlots: number };

export class Fleet extends DurableObject<Env> {
  override async fetch(_request: Request): Promise<Response> {
    return new Response('not implemented', { status: 501 });
  }

  async dispatch(): Promise<void> {}

  async cancel(_executionId: string, _reason: CancelReason): Promise<void> {}

  async snapshot(): Promise<RunnerSnapshot[]> {
    return [];
  }

  async sweep(): Promise<void> {}
}
