// Retries with exponential backoff for the steps of a job that can fail transiently (a probe that
// did not answer, a console that did not open). Errors marked permanent are not retried.
export interface RetryPolicy { retries: number; backoffMs: number; backoffFactor: number }

export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) { super(message, options); this.name = 'PermanentError'; }
}

export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  opts: { onRetry?: (err: Error, attempt: number, delayMs: number) => void | Promise<void>; signal?: AbortSignal } = {},
): Promise<T> {
  let delay = policy.backoffMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const e = err as Error;
      if (attempt > policy.retries || e instanceof PermanentError || opts.signal?.aborted) throw e;
      await opts.onRetry?.(e, attempt, delay);
      await new Promise((r) => setTimeout(r, delay));
      delay *= policy.backoffFactor;
    }
  }
}
