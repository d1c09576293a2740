// Small statistics for side-by-side measurements: medians and ranges of interleaved rounds.

/** The p-quantile (0..1) of an ascending array, nearest rank; 0 for an empty array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 === 1
    ? sorted[Math.floor(middle)]!
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted.at(-1) ?? 0 };
}

/**
 * Ratio of two series measured in the same rounds: the median of the per-round ratios (each
 * round ran both back to back, so machine noise mostly cancels), with their range.
 */
export function pairedRatio(values: readonly number[], baseline: readonly number[]): Summary {
  const ratios = values.map((value, index) => value / (baseline[index] || Number.NaN)).filter(Number.isFinite);
  return summarize(ratios);
}
