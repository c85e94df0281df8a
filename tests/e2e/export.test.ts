// Export bundles end to end, with the real runner, the real Claude Code and the scripted model: a real run's export
// (JSON, Markdown, HTML) holds its tool call, its result text, its patch, its cost and its approval; a run that
// printed a runner secret exports with the redaction marker in every format and never the secret (plain, base64 or
// hex), nor the runner's model key.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExportBundle } from '@claudeops/control-plane/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../fixtures/stack';
import { waitFor } from '../fixtures/wait';

const MODEL = 'claude-sonnet-4-5';
const REAL_KEY = `sk-ant-api03-${randomBytes(24).toString('base64url')}`;
const NPM_TOKEN = `npm_${randomBytes(18).toString('hex')}`;

let stack: Stack;
const dirs: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  await stack.startRunner({ env: { ANTHROPIC_API_KEY: REAL_KEY, NPM_TOKEN, CLAUDEOPS_RUNNER_SECRETS: 'NPM_TOKEN' } });
});

afterAll(async () => {
  await stack?.dispose();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** The three exports of an execution, each checked for its type and attachment name. */
async function exportsOf(id: string): Promise<{ bundle: ExportBundle; json: string; md: string; html: string }> {
  const out: Record<string, string> = {};
  for (const [format, type] of [
    ['json', 'application/json'],
    ['md', 'text/markdown'],
    ['html', 'text/html'],
  ] as const) {
    const response = await stack.api.request('GET', `/api/v1/executions/${id}/export?format=${format}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(`${type}; charset=utf-8`);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="claudeops-${id}.${format}"`);
    out[format] = await response.text();
  }
  return { bundle: ExportBundle.parse(JSON.parse(out.json!)), json: out.json!, md: out.md!, html: out.html! };
}

async function testRepo(): Promise<string> {
  const repo = await mkdtemp(path.join(os.tmpdir(), 'claudeops-export-repo-'));
  dirs.push(repo);
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=Test', '-c', 'user.email=test@localhost', ...args]);
  git('init', '-q', '-b', 'main');
  await writeFile(path.join(repo, 'README.md'), '# export\n');
  git('add', '.');
  git('commit', '-q', '-m', 'initial');
  return repo;
}

describe('export', () => {
  it("holds a real run's tool call, result text, patch, cost and approval, in all three formats", async () => {
    const repo = await testRepo();
    const created = await stack.api.createExecution({
      agent: 'code-task',
      inputs: { task: 'Add a greeting file [script:write-file:greeting.txt]', repo },
      model: MODEL,
    });
    const approval = await waitFor(
      async () => (await stack.api.approvals({ executionId: created.id, status: 'pending' }))[0],
      { timeoutMs: 60_000, what: 'the Bash approval' },
    );
    await stack.api.decide(approval.id, { decision: 'allow', message: 'go ahead' });
    const done = await stack.waitForEnd(created.id);
    expect(done.status, done.statusReason ?? '').toBe('succeeded');
    // The runner uploads the patch after its git event; wait until it is there, as the export reads it.
    await waitFor(async () => (await stack.api.request('GET', `/api/v1/executions/${created.id}/patch`)).ok, {
      timeoutMs: 30_000,
      what: 'the patch upload',
    });

    const { bundle, md, html } = await exportsOf(created.id);
    const command = "echo 'hello from claudeops' > greeting.txt";
    const tool = bundle.transcript.entries.find((e) => e.type === 'tool');
    expect(tool).toMatchObject({ name: 'Bash', input: expect.objectContaining({ command }) });
    expect(tool?.type === 'tool' && tool.result).toMatchObject({ isError: false });
    expect(bundle.transcript.entries).toContainEqual(
      expect.objectContaining({ type: 'text', text: "I'll write greeting.txt." }),
    );
    expect(bundle.result?.text).toBe('Done: greeting.txt now says hello.');
    expect(bundle.patch?.text).toContain('+hello from claudeops');
    expect(bundle.git?.files.map((f) => f.path)).toEqual(['greeting.txt']);
    expect(bundle.costs.totalUsd).toBeGreaterThan(0);
    expect(bundle.costs.models).toEqual([
      expect.objectContaining({ model: expect.stringContaining('claude-sonnet-4-5') }),
    ]);
    expect(bundle.costs.models[0]!.costUsd).toBeGreaterThan(0);
    expect(bundle.approvals).toEqual([
      expect.objectContaining({ id: approval.id, status: 'allowed', decision: 'allow', message: 'go ahead' }),
    ]);

    expect(md).toContain(`\`\`\`sh\n${command}\n\`\`\``);
    expect(md).toContain('> Done: greeting.txt now says hello.');
    expect(md).toMatch(/```diff\n[\s\S]*\+hello from claudeops/);
    expect(md).toContain('## Costs');
    expect(html).toContain(`<pre>echo &#39;hello from claudeops&#39; &gt; greeting.txt</pre>`);
    expect(html).toContain('Done: greeting.txt now says hello.');
    expect(html).toContain('<span class="add">+hello from claudeops</span>');
    expect(html).not.toMatch(/<script/i);
  });

  it('keeps a secret the agent printed redacted in every format, plain, base64 and hex', async () => {
    await stack.api.json('POST', '/api/v1/agents', {
      name: 'export-publisher',
      prompt: 'Show what you can see [script:credentials]',
      secrets: ['NPM_TOKEN'],
    });
    const created = await stack.api.createExecution({ agent: 'export-publisher', model: MODEL });
    const done = await stack.waitForEnd(created.id);
    expect(done.status, done.statusReason ?? '').toBe('succeeded');

    const { json, md, html } = await exportsOf(created.id);
    const base64 = Buffer.from(NPM_TOKEN).toString('base64');
    const hex = Buffer.from(NPM_TOKEN).toString('hex');
    const forms = [NPM_TOKEN, base64, base64.replace(/=+$/, ''), hex, REAL_KEY];
    for (const [format, text] of Object.entries({ json, md, html })) {
      for (const marker of ['npm=[REDACTED]', 'b64=[REDACTED]', 'hex=[REDACTED]']) {
        expect(text, `${format} shows ${marker}`).toContain(marker);
      }
      for (const form of forms) expect(text.includes(form), `${format} holds a secret form`).toBe(false);
      // Nor hidden in any base64 run of the export (at any of the three alignments).
      for (const run of text.match(/[A-Za-z0-9+/_-]{16,}={0,2}/g) ?? []) {
        for (let skip = 0; skip < 4; skip++) {
          expect(Buffer.from(run.slice(skip), 'base64').toString('latin1')).not.toContain(NPM_TOKEN.slice(0, 12));
        }
      }
    }
  });
});
