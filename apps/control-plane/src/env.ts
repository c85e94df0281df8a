// Hono's environment for the control plane: the Worker's bindings plus what middleware puts on the context.
import type { Identity } from './middleware/auth';

declare global {
  // Optional settings that wrangler.toml does not declare (secrets or .dev.vars), so `wrangler types` cannot see them.
  interface Env {
    /** When set, this is the admin token; otherwise one is generated on first use and printed once. */
    CLAUDEOPS_ADMIN_TOKEN?: string;
    /** Comma-separated origins whose pages may use the session cookie (the dashboard when it runs elsewhere). */
    CLAUDEOPS_DASHBOARD_ORIGINS?: string;
  }
  // eslint-disable-next-line @typescript-eslint/no-namespace -- augments the namespace `wrangler types` declares
  namespace Cloudflare {
    interface Env {
      CLAUDEOPS_ADMIN_TOKEN?: string;
      CLAUDEOPS_DASHBOARD_ORIGINS?: string;
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
