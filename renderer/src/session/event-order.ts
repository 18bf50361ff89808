// Events and answers travel apart: in the browser shell the event stream and each call are separate connections,
// so the answer to a call can arrive after a newer event. A session that came as an answer is therefore taken only
// if no 'session.changed' event arrived since its request was sent; otherwise, say, a lock's late answer would show
// the workspace again after the sign-out that followed it.

export interface EventOrder {
  /** Call for every 'session.changed' event. */
  eventArrived(): void;
  /** Wraps, at request time, what to do with the answer: it runs only if no event has arrived since. */
  unlessOvertaken: <T>(apply: (value: T) => void) => (value: T) => void;
}

export function createEventOrder(): EventOrder {
  let seen = 0;
  return {
    eventArrived() {
      seen += 1;
    },
    unlessOvertaken(apply) {
      const seenAtRequest = seen;
      return (value) => {
        if (seen === seenAtRequest) apply(value);
      };
    },
  };
}
