// A gitignore-style glob as a regular expression over '/'-separated paths (pure; used by permissions.ts): `*` and
// `?` stay within one path segment, `**` spans any number of them (`a/**/b` also matches `a/b`, `a/**` matches `a`
// too); everything else is literal.

const cache = new Map<string, RegExp>();
const CACHE_LIMIT = 500;

export function globToRegExp(glob: string): RegExp {
  const cached = cache.get(glob);
  if (cached) return cached;
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      const atSegmentStart = i === 0 || glob[i - 1] === '/';
      i++;
      if (atSegmentStart && i > 1 && i === glob.length - 1) {
        // A trailing `/**`: everything below, and the directory itself.
        source = `${source.slice(0, -1)}(?:/.*)?`;
      } else if (atSegmentStart && glob[i + 1] === '/') {
        // `**/`: zero or more whole segments.
        source += '(?:[^/]*/)*';
        i++;
      } else {
        source += '.*';
      }
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  const regex = new RegExp(`^${source}$`, 's');
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(glob, regex);
  return regex;
}
