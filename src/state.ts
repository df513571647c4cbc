// Named states for long-lived parts: a small union of state names, and transitions that check the
// state they leave, so a wrong transition shows at once instead of a silent mix of booleans.

/** For each state, the states it may move to. */
export type Transitions<S extends string> = Record<S, readonly S[]>;

export type StateMachine<S extends string> = {
  /** The current state (a method, so a check made before an `await` is read again after it). */
  current(): S;
  /** Moves to `next`; throws when the current state may not move there. */
  moveTo(next: S): void;
  /** Whether the current state is one of `states`. */
  is(...states: S[]): boolean;
};

/** A machine named `name` (for the error) starting in `initial`. */
export function createStateMachine<S extends string>(
  name: string,
  initial: S,
  transitions: Transitions<S>,
): StateMachine<S> {
  let current = initial;
  return {
    current: () => current,
    moveTo(next) {
      if (!transitions[current].includes(next)) {
        throw new Error(`${name}: cannot move from ${current} to ${next}`);
      }
      current = next;
    },
    is: (...states) => states.includes(current),
  };
}
