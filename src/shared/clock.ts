/** Every rule that depends on time asks a Clock, so tests can move time without waiting. */
export type Clock = { now(): Date };

export const systemClock: Clock = { now: () => new Date() };

/** UTC instant as stored in the database: fixed-width ISO 8601, so text order is time order. */
export function toStoredTime(instant: Date): string {
  return instant.toISOString();
}

/** `YYYY-MM-DD` of an instant, in UTC. */
export function utcDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

export function addDays(instant: Date, days: number): Date {
  return new Date(instant.getTime() + days * 86_400_000);
}
