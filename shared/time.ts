/**
 * ISO-8601 times as the pipeline stores and compares them. Stored times are
 * compared as strings (sort keys, windows), so every time is normalised to UTC
 * `Z` form before it is stored or compared.
 */

/** The same instant in UTC `Z` form (`2024-05-01T10:00:00+02:00` -> `2024-05-01T08:00:00.000Z`). */
export function utc(iso: string): string {
  return new Date(Date.parse(iso)).toISOString();
}

/** The instant `ms` milliseconds after (negative: before) `iso`, in UTC `Z` form. */
export function shiftIso(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

/** The earlier / later of UTC `Z` times (string order is time order); an empty string counts as absent. */
export function earliestIso(...times: string[]): string {
  return times.filter(Boolean).sort()[0] ?? "";
}

export function latestIso(...times: string[]): string {
  return times.filter(Boolean).sort().at(-1) ?? "";
}
