/** Where the service reads the time; tests pass a clock they control. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
