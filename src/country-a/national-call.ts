// A call to the national system with a deadline: the answer, its refusal, or "no answer in time"
// (the call may still complete later; callers only hand it to idempotent operations).
export type Timed<T> = { readonly kind: "answered"; readonly value: T } | { readonly kind: "failed"; readonly error: unknown } | { readonly kind: "timeout"; readonly late: Promise<T> };

export async function withDeadline<T>(call: () => Promise<T>, timeoutMs: number): Promise<Timed<T>> {
  let timer: NodeJS.Timeout | undefined;
  let p: Promise<T>;
  try {
    p = call();
  } catch (error) {
    return { kind: "failed", error };
  }
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const r = await Promise.race([p.then((value) => ({ kind: "answered" as const, value }), (error: unknown) => ({ kind: "failed" as const, error })), timeout]);
    if (r === "timeout") {
      p.catch(() => undefined); // settled later, observed by the caller's `late` handler if any
      return { kind: "timeout", late: p };
    }
    return r;
  } finally {
    clearTimeout(timer);
  }
}
