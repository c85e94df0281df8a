// The theme choice: parsing what was stored, resolving against the system preference, applying it to <html>.
import { describe, expect, it } from 'vitest';
import { applyTheme, loadTheme, parseTheme, resolveTheme, saveTheme, THEME_STORAGE_KEY } from './theme';

describe('theme', () => {
  it('reads only known choices, else follows the system', () => {
    expect([parseTheme('dark'), parseTheme('light'), parseTheme('system')]).toEqual(['dark', 'light', 'system']);
    expect([parseTheme(null), parseTheme('blue'), parseTheme(undefined)]).toEqual(['system', 'system', 'system']);
  });

  it('lets an explicit choice win over the system preference', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });

  it('sets data-theme for light and dark and removes it for system', () => {
    const root = { dataset: {} as DOMStringMap };
    applyTheme('dark', root);
    expect(root.dataset.theme).toBe('dark');
    applyTheme('system', root);
    expect('theme' in root.dataset).toBe(false);
  });

  it('remembers the choice in localStorage and survives storage that throws', () => {
    const data = new Map<string, string>();
    const storage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
      removeItem: (k: string) => void data.delete(k),
    };
    saveTheme('light', storage);
    expect(data.get(THEME_STORAGE_KEY)).toBe('light');
    expect(loadTheme(storage)).toBe('light');
    saveTheme('system', storage);
    expect(data.has(THEME_STORAGE_KEY)).toBe(false);
    const broken = {
      getItem: (): string => {
        throw new Error('denied');
      },
    };
    expect(loadTheme(broken)).toBe('system');
    expect(loadTheme(undefined)).toBe('system');
  });
});
