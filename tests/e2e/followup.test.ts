// Follow-ups end to end: the real control plane (wrangler dev), a real runner and real Claude Code against the
// scripted Anthropic API. A message to an ended execution starts a follow-up on the same runner, in the same worktree
// and branch, that resumes the Claude Code session (the model's request carries the earlier turns); a message sent
// while a run is in progress reaches the live session as its next user turn.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Conversation, PostMessageResult, type ExecutionEvent } from '@claudeops/control-plane/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  firstChatText,
  followupScripts,
  laterChatText,
  recalledText,
  rememberedText,
} from '../fixtures/anthropic-followup-scripts';
import type { RunnerProcess } from '../fixtures/runner-process';
import type { RecordedRequest } from '../fixtures/scripted-anthropic';
import { type Stack, startStack } from '../fixtures/stack';
import { waitFor } from '../fixtures/wait';
import { findExecutable, probeBubblewrap } from '../../apps/runner/src/sandbox/probe';

const MODEL = 'claude-sonnet-4-5';
const bwrap = await findExecutable('bwrap', process.env.PATH);
/** Where bubblewrap works the runner confines every run (its default): the session must survive the private HOME. */
const confined = bwrap ? (await probeBubblewrap(bwrap)).ok : false;

let stack: Stack;
let runner: RunnerProcess;
let release: () => void = () => undefined;
const dirs: string[] = [];

beforeAll(async () => {
  const hold = new Promise<void>((resolve) => (release = resolve));
  stack = await startStack({ anthropic: { scripts: followupScripts({ hold }) } });
  runner = await stack.startRunner({ maxConcurrent: 2 });
});

afterAll(async () => {
  release();
  await stack?.dispose();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function testRepo(): Promise<string> {
  const repo = await mkdtemp(path.join(os.tmpdir(), 'claudeops-followup-repo-'));
  dirs.push(repo);
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=Test', '-c', 'user.email=test@localhost', ...args]);
  git('init', '-q', '-b', 'main');
  await writeFile(path.join(repo, 'README.md'), '# follow-ups\n');
  git('add', '.');
  git('commit', '-q', '-m', 'initial');
  return repo;
}

async function say(id: string, text: string): Promise<{ status: number; body: PostMessageResult }> {
  const response = await stack.api.request('POST', `/api/v1/executions/${id}/messages`, { text });
  const body: unknown = await response.json();
  expect(response.ok, JSON.stringify(body)).toBe(true);
  return { status: response.status, body: PostMessageResult.parse(body) };
}

const ofType = <T extends ExecutionEvent['type']>(events: ExecutionEvent[], type: T) =>
  events.filter((e): e is Extract<ExecutionEvent, { type: T }> => e.type === type);

/** The conversation a model request carried, as text (its messages, every block). */
const sent = (request: RecordedRequest): string => JSON.stringify((request.body as { messages?: unknown }).messages);

describe('follow-ups', () => {
  it('resumes an ended execution’s session on the same runner, in the same worktree and branch', async () => {
    const repo = await testRepo();
    const word = `w${Date.now().toString(36)}`;
    const prompt = `Remember the code word ${word} [script:remember:${word}]`;
    const first = await stack.api.createExecution({ prompt, model: MODEL, repo });
    const ended = await stack.waitForEnd(first.id);
    expect(ended.status, ended.statusReason ?? '').toBe('succeeded');
    expect(ended.result?.text).toBe(rememberedText(word));

    const question = `What was the code word? (${word}-q)`;
    const { status, body } = await say(first.id, question);
    expect(status).toBe(201);
    expect(body).toMatchObject({ delivery: 'followup', messageId: null });
    const followup = body.execution;
    expect(followup).toMatchObject({
      trigger: { kind: 'followup', id: first.id },
      followupOf: first.id,
      conversationId: first.id,
      pinnedRunnerId: ended.runnerId,
    });
    const done = await stack.waitForEnd(followup.id);
    expect(done.status, done.statusReason ?? '').toBe('succeeded');
    expect(done.runnerId).toBe(ended.runnerId);
    expect(done.sandbox).toBe(confined ? 'bubblewrap' : 'none');
    // It read back the note the first execution wrote: the same worktree.
    expect(done.result?.text).toBe(recalledText(word, word));

    // The model saw the earlier turns: the follow-up's request holds the first prompt and the first answer.
    const request = stack.anthropic.requests.find((r) => r.kind === 'messages' && sent(r).includes(`${word}-q`));
    expect(request, 'a model request carrying the follow-up').toBeDefined();
    const conversation = sent(request!);
    expect(conversation).toContain(`Remember the code word ${word}`);
    expect(conversation).toContain(rememberedText(word));
    expect(conversation.indexOf(rememberedText(word))).toBeLessThan(conversation.indexOf(`${word}-q`));
    expect(request!.sessionId).toBe(ended.result?.sessionId);

    const [firstEvents, followupEvents] = await Promise.all([
      stack.api.allEvents(first.id),
      stack.api.allEvents(followup.id),
    ]);
    const cwdOf = (events: ExecutionEvent[]) => ofType(events, 'system.init')[0]?.data.cwd;
    expect(cwdOf(followupEvents)).toBe(cwdOf(firstEvents));
    expect(cwdOf(followupEvents)).toBe(path.join(runner.workspacesDir, first.id));
    const [firstGit] = ofType(firstEvents, 'git');
    const [followupGit] = ofType(followupEvents, 'git');
    expect(firstGit?.data.branch).toBe(`claudeops/${first.id}`);
    expect(followupGit?.data).toMatchObject({ branch: `claudeops/${first.id}`, baseCommit: firstGit?.data.commit });

    // Two model calls each, at the same price: the follow-up costs its own calls, not the conversation's so far
    // (Claude Code's total for a resumed session counts the earlier runs again; the runner takes them out).
    const [followupResult] = ofType(followupEvents, 'result');
    expect(followupResult?.data.totalCostUsd).toBeCloseTo(ended.costUsd!, 9);
    expect(done.costUsd).toBeCloseTo(ended.costUsd!, 9);
    expect(followupResult?.data.costWarning).toBeUndefined();

    const chain = Conversation.parse(await stack.api.json('GET', `/api/v1/executions/${followup.id}/conversation`));
    expect(chain.conversationId).toBe(first.id);
    expect(chain.items.map((item) => item.id)).toEqual([first.id, followup.id]);
  });

  it('hands a message sent while the run is in progress to the live session as its next user turn', async () => {
    const word = `l${Date.now().toString(36)}`;
    const created = await stack.api.createExecution({
      prompt: `Chat about ${word} [script:live-chat:${word}]`,
      model: MODEL,
    });
    // The first model call is held: the run is in progress until the test lets it answer.
    await stack.anthropic.waitForRequest(
      (r) => r.kind === 'messages' && r.script === 'live-chat' && sent(r).includes(word),
      90_000,
    );
    await stack.waitForStatus(created.id, (e) => e.status === 'running');
    const text = `Please also mention ${word}-extra`;
    const { status, body } = await say(created.id, text);
    expect(status).toBe(202);
    expect(body).toMatchObject({ delivery: 'live', execution: { id: created.id } });
    const messageId = body.messageId!;
    expect(messageId).toBeTruthy();

    // Handed to Claude Code (and recorded) while the first turn is still held.
    const handed = await waitFor(
      async () =>
        ofType(await stack.api.allEvents(created.id), 'user.message').find((e) => e.data.messageId === messageId),
      { timeoutMs: 60_000, what: 'the user.message event' },
    );
    expect(handed.data).toMatchObject({ messageId, text });
    release();

    const done = await stack.waitForEnd(created.id);
    expect(done.status, done.statusReason ?? '').toBe('succeeded');
    const events = await stack.api.allEvents(created.id);
    const results = ofType(events, 'result');
    // One result per turn; the last one is the execution's.
    expect(results.map((e) => e.data.text)).toEqual([firstChatText(word), laterChatText(word, 1)]);
    expect(done.result?.text).toBe(laterChatText(word, 1));
    expect(ofType(events, 'user.message')).toHaveLength(1);

    // The model's next request carried the message after the first answer.
    const next = stack.anthropic.requests.find((r) => r.kind === 'messages' && sent(r).includes(`${word}-extra`));
    expect(next, 'a model request carrying the message').toBeDefined();
    const conversation = sent(next!);
    expect(conversation.indexOf(firstChatText(word))).toBeGreaterThan(-1);
    expect(conversation.indexOf(firstChatText(word))).toBeLessThan(conversation.indexOf(`${word}-extra`));

    const costs = { executionUsd: done.costUsd, resultsUsd: results.map((e) => e.data.totalCostUsd) };
    console.info(`follow-up e2e: live turn costs ${JSON.stringify(costs)}`);
  });
});
