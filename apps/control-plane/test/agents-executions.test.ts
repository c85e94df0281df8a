// Executions started from an agent template: inputs checked and filled, the POST merged over the template, a
// snapshot a later edit of the template never changes (nor a retry), the job a runner is offered, the agent filter.
import { describe, expect, it } from 'vitest';
import { getJobs, toJob } from '../src/db/queries/lifecycle';
import { Execution, page } from '../src/protocol';
import { AGENTS, createAgent } from './agents-support';
import { api, expectError } from './api-support';
import { EXECUTIONS, retry, setStatus } from './attempts-support';
import { db, uniqueLabel } from './do-support';

const start = (body: Record<string, unknown>) =>
  api(EXECUTIONS, { method: 'POST', body: { labels: [uniqueLabel()], ...body } });

async function started(body: Record<string, unknown>): Promise<Execution> {
  const response = await start(body);
  expect(response.status).toBe(201);
  return Execution.parse(await response.json());
}

describe('executions from agent templates', () => {
  it('refuses an unknown agent, a missing input and an unknown one, naming them', async () => {
    await expectError(await start({ agent: 'no-such' }), 400, 'BAD_REQUEST', 'no agent template named "no-such"');
    const missing = await start({ agent: 'bug-fixer', inputs: { repo: '/srv/app' } });
    await expectError(missing, 400, 'BAD_REQUEST', 'missing input `issue` for agent bug-fixer');
    const unknown = await start({ agent: 'bug-fixer', inputs: { repo: '/srv/app', issue: 'x', colour: 'red' } });
    await expectError(unknown, 400, 'BAD_REQUEST', /unknown input `colour`.*takes `repo`, `issue`/);
  });

  it('refuses a repo or ref input that is not one, naming the input', async () => {
    const badRepo = await start({ agent: 'bug-fixer', inputs: { repo: 'relative/path', issue: 'x' } });
    await expectError(badRepo, 400, 'BAD_REQUEST', 'input `repo`: repo must be');
    const badRef = await start({
      agent: 'pr-reviewer',
      inputs: { repo: '/srv/app', ref: '--upload-pack=x', base: 'main' },
    });
    await expectError(badRef, 400, 'BAD_REQUEST', 'input `ref`');
    const { name } = await createAgent({ prompt: 'review {{ref}}' });
    const noRepo = await start({ agent: name, inputs: { ref: 'main' } });
    await expectError(noRepo, 400, 'BAD_REQUEST', '`ref` needs a repository');
  });

  it('fills the prompt and merges the POST over the template, repo and ref from the inputs', async () => {
    const label = uniqueLabel();
    const { name } = await createAgent({
      prompt: 'Review {{ref}} of {{repo}}',
      model: 'claude-sonnet-4-5',
      labels: [label],
      maxTurns: 40,
      approvalTimeoutSeconds: 120,
      permissions: { allow: ['Read'], ask: [], deny: ['Bash(git push:*)'] },
      outputSchema: { type: 'object', properties: {} },
      tools: ['Read'],
      appendSystemPrompt: 'Be brief.',
    });
    const other = uniqueLabel();
    const execution = await started({
      agent: name,
      inputs: { repo: 'https://github.com/acme/app.git', ref: 'feature/x' },
      labels: [other, label],
      maxTurns: 5,
      permissions: { allow: ['Bash(npm test:*)', 'Read'], ask: ['Write'], deny: [] },
    });
    expect(execution).toMatchObject({
      agent: name,
      prompt: 'Review feature/x of https://github.com/acme/app.git',
      model: 'claude-sonnet-4-5',
      labels: [label, other],
      repo: 'https://github.com/acme/app.git',
      ref: 'feature/x',
      inputs: { repo: 'https://github.com/acme/app.git', ref: 'feature/x' },
      permissions: { allow: ['Read', 'Bash(npm test:*)'], ask: ['Write'], deny: ['Bash(git push:*)'] },
    });
    const [row] = await getJobs(db(), [execution.id]);
    expect(toJob(row!)).toMatchObject({
      agent: name,
      maxTurns: 5,
      approvalTimeoutSeconds: 120,
      outputSchema: { type: 'object', properties: {} },
      tools: ['Read'],
      appendSystemPrompt: 'Be brief.',
      hostSnapshot: false,
      permissions: execution.permissions,
    });
  });

  it('keeps the snapshot when the template changes, in the execution and its retry', async () => {
    const { name } = await createAgent({ prompt: 'Do {{task}}', maxTurns: 7, tools: ['Read'] });
    const first = await started({ agent: name, inputs: { task: 'the thing' } });
    const patch = await api(`${AGENTS}/${name}`, { method: 'PATCH', body: { prompt: 'Other {{x}}', maxTurns: 1 } });
    expect(patch.status).toBe(200);
    await setStatus(first.id, 'failed');
    const response = await retry(first.id);
    expect(response.status).toBe(201);
    const second = Execution.parse(await response.json());
    expect(second).toMatchObject({ prompt: 'Do the thing', inputs: { task: 'the thing' }, agent: name, attempt: 2 });
    const jobs = await getJobs(db(), [first.id, second.id]);
    for (const row of jobs) expect(toJob(row)).toMatchObject({ maxTurns: 7, tools: ['Read'] });
  });

  it('keeps an execution without a template as it was: agent default, its own policy or none', async () => {
    const plain = await started({ prompt: 'hello' });
    expect(plain).toMatchObject({ agent: 'default', permissions: null, inputs: null });
    const policy = { allow: ['Read'], ask: [], deny: ['Write'] };
    expect(await started({ prompt: 'hello', permissions: policy })).toMatchObject({ permissions: policy });
    const [row] = await getJobs(db(), [plain.id]);
    expect(toJob(row!)).toMatchObject({ agent: 'default', permissions: null, approvalTimeoutSeconds: 600 });
  });

  it('lists the executions of one agent', async () => {
    const { name } = await createAgent({ prompt: 'Do {{task}}' });
    const a = await started({ agent: name, inputs: { task: 'a' } });
    const b = await started({ agent: name, inputs: { task: 'b' } });
    await started({ prompt: 'unrelated' });
    const response = await api(`${EXECUTIONS}?agent=${name}`);
    expect(response.status).toBe(200);
    const body = page(Execution).parse(await response.json());
    expect(body.items.map((e) => e.id).sort()).toEqual([a.id, b.id].sort());
  });
});
