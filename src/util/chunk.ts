/** Splits `items` into arrays of at most `n`. */
export function chunk<T>(items: readonly T[], n: number): T[][] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`chunk size must be a positive integer, got ${n}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}
