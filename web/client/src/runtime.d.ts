// The few globals this package uses, present in browsers, React Native and Node 18+. Declared here so the
// package compiles without the DOM library (it has no DOM dependency).
declare function setTimeout(handler: () => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
