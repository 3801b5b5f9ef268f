import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * State whose updates are applied at most once per animation frame: a fast stream (hundreds of deltas a
 * second) renders at the display's rate, never once per event. `set` takes the latest value; the frame
 * renders whatever is latest then.
 */
export function useFrameState<T>(initial: T): [T, (value: T) => void, () => T] {
  const [state, setState] = useState(initial);
  const latest = useRef(initial);
  const frame = useRef<number | null>(null);
  const set = useCallback((value: T) => {
    latest.current = value;
    if (frame.current === null) {
      frame.current = requestAnimationFrame(() => {
        frame.current = null;
        setState(latest.current);
      });
    }
  }, []);
  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );
  return [state, set, () => latest.current];
}
