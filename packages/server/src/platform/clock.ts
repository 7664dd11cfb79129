/** The clock is passed in everywhere, so tests can move time (session timeouts, TOTP windows). */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
