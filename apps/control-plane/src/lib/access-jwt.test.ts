// The Cloudflare Access token check with real RS256 keys: what passes, and each reason a token is refused.
import { beforeAll, describe, expect, it } from 'vitest';
import { accessToken, AUD, newTeam, TEAM_DOMAIN, type TestTeam } from '../../test/access-support';
import { AccessTokenError, importRsaKey, verifyAccessJwt } from './access-jwt';

let team: TestTeam;
let stranger: TestTeam;
const check = (token: string, now?: number) =>
  verifyAccessJwt(token, {
    audience: AUD,
    issuer: TEAM_DOMAIN,
    resolveKey: async (kid) => (kid === team.kid ? importRsaKey(team.jwks.keys[0]!) : null),
    ...(now === undefined ? {} : { now }),
  });

beforeAll(async () => {
  team = await newTeam('team-key');
  stranger = await newTeam('team-key'); // same kid, another key: a forged signature
});

describe('verifyAccessJwt', () => {
  it('accepts a token of the team for the application, with a minute of clock skew', async () => {
    expect(await check(await accessToken(team))).toMatchObject({ email: 'ada@example.com', iss: TEAM_DOMAIN });
    expect(await check(await accessToken(team, { aud: AUD }))).toMatchObject({ aud: AUD });
    const justExpired = await accessToken(team, { exp: Math.floor(Date.now() / 1000) - 30 });
    expect(await check(justExpired)).toMatchObject({ email: 'ada@example.com' });
  });

  it.each([
    ['another application', { aud: ['someone-else'] }, 'aud does not match'],
    ['another team', { iss: 'https://other.cloudflareaccess.com' }, 'issued by https://other'],
    ['expired', { exp: Math.floor(Date.now() / 1000) - 120 }, 'expired'],
    ['not valid yet', { nbf: Math.floor(Date.now() / 1000) + 120 }, 'not valid yet'],
    ['no expiry', { exp: undefined }, 'no expiry'],
  ])('refuses a token for %s', async (_name, claims, words) => {
    await expect(check(await accessToken(team, claims))).rejects.toThrow(words);
  });

  it('refuses a bad signature, an unknown key, another algorithm and garbage', async () => {
    await expect(check(await accessToken(stranger))).rejects.toThrow('signature is not valid');
    await expect(check(await accessToken(team, {}, { kid: 'rotated-away' }))).rejects.toThrow('not one of');
    await expect(check(await accessToken(team, {}, { alg: 'HS256' }))).rejects.toThrow('not RS256');
    await expect(check('not-a-jwt')).rejects.toThrow(AccessTokenError);
    await expect(check('a.b.c')).rejects.toThrow(AccessTokenError);
    const [header, payload] = (await accessToken(team)).split('.');
    await expect(check(`${header}.${payload}.!!!`)).rejects.toThrow('base64url');
  });
});
