// Canary credentials for the runner's redaction tests (redactor, log streamer, daemon): each as it appears in text,
// with the part that is secret material, and a check that no piece of that material got through. Not part of the
// runner itself.

export const CONFIGURED = 'cnry-Q7vX9-zP4wK-42Lm';

/** Each canary as it appears in text, and the part of it that is secret material (what must never leave). */
export const CANARIES: Array<{ name: string; text: string; material: string }> = [
  {
    name: 'Anthropic key',
    text: `sk-ant-api03-${'Zx9_Yw8-Vu7'.repeat(5)}AA`,
    material: `ant-api03-${'Zx9_Yw8-Vu7'.repeat(5)}AA`,
  },
  { name: 'OpenAI key', text: `sk-proj-${'aB3dE5fG7h'.repeat(4)}`, material: `proj-${'aB3dE5fG7h'.repeat(4)}` },
  { name: 'GitHub token', text: `ghp_${'A1b2C3d4E5'.repeat(3)}f6G7h8`, material: `${'A1b2C3d4E5'.repeat(3)}f6G7h8` },
  { name: 'GitHub PAT', text: `github_pat_11ABCDEFG0${'x7Y'.repeat(20)}`, material: `11ABCDEFG0${'x7Y'.repeat(20)}` },
  { name: 'AWS access key id', text: 'AKIAIOSFODNN7EXAMPLE', material: 'IOSFODNN7EXAMPLE' },
  {
    name: 'AWS secret access key',
    text: 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    material: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  },
  {
    name: 'bearer token',
    text: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl',
    material: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl',
  },
  {
    name: 'Authorization header',
    text: 'Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==',
    material: 'dXNlcjpwYXNzd29yZDEyMw==',
  },
  { name: 'Stripe live key', text: `sk_live_${'51Hx9Qz'.repeat(4)}`, material: '51Hx9Qz'.repeat(4) },
  { name: 'Stripe restricted test key', text: `rk_test_${'8Kp2Lm4'.repeat(4)}`, material: '8Kp2Lm4'.repeat(4) },
  {
    name: 'Slack bot token',
    text: `xoxb-1234567890-0987654321-${'AbCdEfGh'.repeat(3)}`,
    material: `1234567890-0987654321-${'AbCdEfGh'.repeat(3)}`,
  },
  {
    name: 'Google API key',
    text: `AIzaSyD-${'a1B2c3D4e5'.repeat(3)}f`,
    material: `SyD-${'a1B2c3D4e5'.repeat(3)}f`,
  },
  { name: 'GitLab token', text: `glpat-${'xY7_zQ2-wE'.repeat(2)}`, material: 'xY7_zQ2-wE'.repeat(2) },
  { name: 'npm token', text: `npm_${'a1B2c3D4e5F6'.repeat(3)}`, material: 'a1B2c3D4e5F6'.repeat(3) },
  {
    name: 'JWT',
    text: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJydW5uZXIifQ.dGhpcy1pcy1hLXNpZ25hdHVyZQ',
    material: 'hbGciOiJIUzI1NiJ9.eyJzdWIiOiJydW5uZXIifQ.dGhpcy1pcy1hLXNpZ25hdHVyZQ',
  },
  {
    name: 'ClaudeOps runner token',
    text: `cor_${'Ab3_x-Y9Zq'.repeat(4)}Qw7`,
    material: `${'Ab3_x-Y9Zq'.repeat(4)}Qw7`,
  },
  { name: 'ClaudeOps admin token', text: `coa_${'Zq9-Yx8_Wv'.repeat(4)}Ut6`, material: `${'Zq9-Yx8_Wv'.repeat(4)}Ut6` },
  {
    name: 'private key block',
    text:
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n' +
      'AAAAAAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIOvj\n-----END OPENSSH PRIVATE KEY-----',
    material: 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nAAAAAAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIOvj',
  },
  { name: 'configured secret', text: CONFIGURED, material: CONFIGURED },
];

/** Fails when any 4-character window of the material shows in `out` (shorter fragments carry no secret). */
export function expectNoMaterial(out: string, material: string, context: string): void {
  for (let i = 0; i + 4 <= material.length; i++) {
    const window = material.slice(i, i + 4);
    const at = out.indexOf(window);
    if (at >= 0) {
      const around = out.slice(Math.max(0, at - 60), at + 60);
      throw new Error(`${context}: ${JSON.stringify(window)} leaked in …${JSON.stringify(around)}…`);
    }
  }
}
