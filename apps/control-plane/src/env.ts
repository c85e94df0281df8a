// Hono's environment for the control plane: the Worker's bindings plus what middleware puts on the context.
import type { Identity } from './middleware/auth';

declare global {
  // Optional settings that wrangler.toml does not declare (secrets or .dev.vars), so `wrangler types` cannot see them.
  interface Env {
    /** When set, this is the admin token; otherwise one is generated on first use and printed once. */
    CLAUDEOPS_ADMIN_TOKEN?: string;
    /** Comma-separated origins whose pages may use the session cookie (the dashboard when it runs elsewhere). */
    CLAUDEOPS_DASHBOARD_ORIGINS?: string;
    /** Cloudflare Access in front of the Worker: the team domain (`https://<team>.cloudflareaccess.com`) and the
     * application's AUD tag. With both set, a valid Access token is an admin identity named by its email. */
    CLAUDEOPS_ACCESS_TEAM_DOMAIN?: string;
    CLAUDEOPS_ACCESS_AUD?: string;
    /** Web Push's VAPID key pair (base64url, as `web-push generate-vapid-keys` prints it) and its contact
     * (`mailto:` or `https:`); without the keys, a pair is generated once and kept in D1. */
    CLAUDEOPS_VAPID_PUBLIC_KEY?: string;
    CLAUDEOPS_VAPID_PRIVATE_KEY?: string;
    CLAUDEOPS_VAPID_SUBJECT?: string;
    /** Rate limits (`<count>` per minute or `<count>/<seconds>`; domain/rate-limits.ts has the defaults). */
    CLAUDEOPS_RATE_LIMIT_LOGIN?: string;
    CLAUDEOPS_RATE_LIMIT_HTTP?: string;
    CLAUDEOPS_RATE_LIMIT_HEARTBEATS?: string;
    CLAUDEOPS_RATE_LIMIT_PERMITS?: string;
    /** Reporting back to GitHub (github/): the token comments and pull requests are made with, the REST API's base
     * URL (default https://api.github.com; GitHub Enterprise and tests set it), and the dashboard's base URL for
     * the execution links in comments (default: the first CLAUDEOPS_DASHBOARD_ORIGINS entry). */
    CLAUDEOPS_GITHUB_TOKEN?: string;
    CLAUDEOPS_GITHUB_API_URL?: string;
    CLAUDEOPS_DASHBOARD_URL?: string;
  }
  // eslint-disable-next-line @typescript-eslint/no-namespace -- augments the namespace `wrangler types` declares
  namespace Cloudflare {
    interface Env {
      CLAUDEOPS_ADMIN_TOKEN?: string;
      CLAUDEOPS_DASHBOARD_ORIGINS?: string;
      CLAUDEOPS_ACCESS_TEAM_DOMAIN?: string;
      CLAUDEOPS_ACCESS_AUD?: string;
      CLAUDEOPS_VAPID_PUBLIC_KEY?: string;
      CLAUDEOPS_VAPID_PRIVATE_KEY?: string;
      CLAUDEOPS_VAPID_SUBJECT?: string;
      CLAUDEOPS_RATE_LIMIT_LOGIN?: string;
      CLAUDEOPS_RATE_LIMIT_HTTP?: string;
      CLAUDEOPS_RATE_LIMIT_HEARTBEATS?: string;
      CLAUDEOPS_RATE_LIMIT_PERMITS?: string;
      CLAUDEOPS_GITHUB_TOKEN?: string;
      CLAUDEOPS_GITHUB_API_URL?: string;
      CLAUDEOPS_DASHBOARD_URL?: string;
    }
  }
}

export type AppEnv = {
  Bindings: Env;
  Variables: {
    /** Set by the auth middleware once a request's credentials are checked. */
    identity: Identity;
  };
};
