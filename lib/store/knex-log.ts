import type { Knex } from 'knex';

const ACQUIRE_ERROR = 'Acquire connection error';

/**
 * knex's log without its "Acquire connection error" warning: knex prints it, with a stack, on every failed
 * attempt to connect, and throws the same error to the caller, which reports it where the user looks (the
 * node's status, the batch, the route's answer). Its other warnings it prints as it does by default.
 */
export const KNEX_LOG: NonNullable<Knex.Config['log']> = {
  warn(message: unknown): void {
    if (typeof message === 'string' && message.startsWith(ACQUIRE_ERROR)) return;
    console.log(message);
  },
};
