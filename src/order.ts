// Plain code-unit order for everything machinist sorts. Not localeCompare: that depends on the ICU locale
// (output must be byte-identical on every host whatever LANG says) and its first call loads collation data.
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
